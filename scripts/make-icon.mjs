// Regenerates build/icon.png (512x512 RGBA: a shipping container behind cell bars) with Node alone: `node scripts/make-icon.mjs`.
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

const SIZE = 512;
// Supersampling per axis: edges get 16 coverage samples, enough for a smooth icon without a graphics library.
const SAMPLES = 4;

const inRoundedRect = (x, y, left, top, right, bottom, radius) => {
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
};

/** Topmost shape at a point, as [r, g, b] or undefined for transparent. Later checks paint over earlier ones. */
function colourAt(x, y) {
  const bars = [140, 198, 256, 314, 372];
  for (const centre of bars) {
    if (Math.abs(x - centre) <= 10 && y >= 108 && y <= 404) return [214, 224, 235];
  }
  if (inRoundedRect(x, y, 112, 100, 400, 122, 8) || inRoundedRect(x, y, 112, 390, 400, 412, 8)) return [188, 200, 214];
  if (inRoundedRect(x, y, 128, 176, 384, 352, 10)) {
    // Corrugated container side: alternating ridges read as "container" even at 32 px.
    return Math.floor((x - 128) / 16) % 2 === 0 ? [242, 163, 58] : [214, 136, 40];
  }
  if (inRoundedRect(x, y, 16, 16, 496, 496, 104)) {
    const t = y / SIZE;
    return [Math.round(24 - 10 * t), Math.round(34 - 14 * t), Math.round(48 - 20 * t)];
  }
  return undefined;
}

const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let py = 0; py < SIZE; py++) {
  const row = py * (SIZE * 4 + 1);
  raw[row] = 0; // filter type None
  for (let px = 0; px < SIZE; px++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let covered = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const colour = colourAt(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
        if (colour === undefined) continue;
        r += colour[0];
        g += colour[1];
        b += colour[2];
        covered += 1;
      }
    }
    const at = row + 1 + px * 4;
    if (covered > 0) {
      raw[at] = Math.round(r / covered);
      raw[at + 1] = Math.round(g / covered);
      raw[at + 2] = Math.round(b / covered);
      raw[at + 3] = Math.round((255 * covered) / (SAMPLES * SAMPLES));
    }
  }
}

const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bits per channel
header[9] = 6; // colour type RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../build/icon.png', import.meta.url), png);
console.log(`wrote build/icon.png (${SIZE}x${SIZE}, ${png.length} bytes)`);
