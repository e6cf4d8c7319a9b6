"""The clinician's pages: dashboard, patient review, infusions, pre-visit report."""
