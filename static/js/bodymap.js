// The body map (templates/_body_map.html). The check boxes beside the figures are the controls:
// they are what a screen reader reads and what the form posts, with or without this script.
// This script only lets a tap on the figure tick the region's box, and shades the figure's
// regions whose boxes are ticked (also after the form is reset or filled by a script, which
// announces it with the form event `diary:filled`).

export function syncBodyMaps(root = document) {
  root.querySelectorAll('[data-bodymap]').forEach((map) => {
    const chosen = new Set(
      [...map.querySelectorAll('input[type="checkbox"]:checked')].map((box) => box.value),
    );
    map.querySelectorAll('.bodymap__region').forEach((shape) => {
      shape.classList.toggle('is-chosen', chosen.has(shape.dataset.region));
    });
  });
}

function init() {
  document.querySelectorAll('[data-bodymap]').forEach((map) => {
    map.addEventListener('change', () => syncBodyMaps());
    map.addEventListener('click', (event) => {
      const shape = event.target.closest && event.target.closest('.bodymap__region');
      if (!shape) return;
      const box = map.querySelector(`input[type="checkbox"][value="${CSS.escape(shape.dataset.region)}"]`);
      if (box) box.click();
    });
    const form = map.closest('form');
    if (form) {
      form.addEventListener('reset', () => setTimeout(syncBodyMaps, 0));
      form.addEventListener('diary:filled', () => syncBodyMaps());
    }
  });
  syncBodyMaps();
}

init();
