// Writes .gz and .br copies of the built assets next to them, so that
// ke-console serves them precompressed.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const dist = new URL('../../internal/console/ui/dist/', import.meta.url).pathname;
// index.html is templated per response by ke-console, so it is not precompressed.
const compressible = /\.(js|css|svg|json|txt|map)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name) && statSync(path).size > 1024) {
      const data = readFileSync(path);
      writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
      writeFileSync(path + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
  }
}
walk(dist);
// The folder is embedded by go:embed, which needs a file even before the
// first build; keep its placeholder.
writeFileSync(join(dist, '.keep'), '');
