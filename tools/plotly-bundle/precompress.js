// Writes FILE.br (brotli, quality 11) and FILE.gz (gzip, level 9) next to each FILE given.
// Both are byte-for-byte the same for the same input (no time stamps).
'use strict';
const fs = require('fs');
const zlib = require('zlib');

for (const file of process.argv.slice(2)) {
  const data = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const gz = zlib.gzipSync(data, { level: 9 });
  fs.writeFileSync(`${file}.br`, br);
  fs.writeFileSync(`${file}.gz`, gz);
  console.log(`${file}: ${data.length} bytes, brotli ${br.length}, gzip ${gz.length}`);
}
