// Decodes a PNG screenshot (8-bit RGB or RGBA, as Chromium writes them)
// and says whether something is drawn: the share of pixels that differ
// from the top-left one and the number of distinct colours. Exits 1 when
// the picture is blank (under 1% of pixels drawn or under 4 colours).
// Usage: node png_check.js FILE
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const buf = fs.readFileSync(process.argv[2]);
if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
let pos = 8, width = 0, height = 0, depth = 0, ctype = 0;
const idat = [];
while (pos < buf.length) {
  const len = buf.readUInt32BE(pos), type = buf.toString('ascii', pos + 4, pos + 8);
  const data = buf.subarray(pos + 8, pos + 8 + len);
  if (type === 'IHDR') {
    width = data.readUInt32BE(0); height = data.readUInt32BE(4);
    depth = data[8]; ctype = data[9];
  } else if (type === 'IDAT') idat.push(data);
  pos += 12 + len;
}
if (depth !== 8 || (ctype !== 2 && ctype !== 6))
  throw new Error(`unsupported PNG: depth ${depth}, colour type ${ctype}`);
const bpp = ctype === 6 ? 4 : 3, stride = width * bpp;
const raw = zlib.inflateSync(Buffer.concat(idat));
const img = Buffer.alloc(stride * height);
// Undo the per-row filters (PNG spec, section 9).
for (let y = 0; y < height; y++) {
  const f = raw[y * (stride + 1)], src = y * (stride + 1) + 1, dst = y * stride;
  for (let i = 0; i < stride; i++) {
    const a = i >= bpp ? img[dst + i - bpp] : 0;
    const b = y > 0 ? img[dst - stride + i] : 0;
    const c = i >= bpp && y > 0 ? img[dst - stride + i - bpp] : 0;
    let p = raw[src + i];
    if (f === 1) p += a;
    else if (f === 2) p += b;
    else if (f === 3) p += (a + b) >> 1;
    else if (f === 4) {
      const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
      p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    img[dst + i] = p & 255;
  }
}
const bg = img.readUIntBE(0, 3), colours = new Set();
let drawn = 0;
for (let i = 0; i < img.length; i += bpp) {
  const px = img.readUIntBE(i, 3);
  colours.add(px);
  if (px !== bg) drawn++;
}
const share = drawn / (width * height);
console.log(`${width}x${height}: ${(100 * share).toFixed(1)}% drawn, ` +
  `${colours.size} colours`);
process.exit(share < 0.01 || colours.size < 4 ? 1 : 0);
