// Renders one file the way resize-image does: EXIF orientation applied, longest side 1920,
// 960 and 320 (never enlarged), each as WebP (quality 80) and JPEG (quality 82), metadata
// dropped. Prints "<milliseconds> <peak RSS KiB> <bytes out>" for the in-memory work (file read
// excluded), then each output's time as "<webp|jpeg>-<size>=<ms>" (each output runs sharp's
// whole pipeline: decode with shrink-on-load, resize, encode).
import { readFileSync } from "node:fs";
import sharp from "sharp";

const [file, threads] = [process.argv[2], Number(process.argv[3] ?? "1")];
sharp.concurrency(threads);
sharp.cache(false);
const input = readFileSync(file);
const started = process.hrtime.bigint();
const outputs = [];
const stages = [];
let last = started;
const stage = (name) => {
  const now = process.hrtime.bigint();
  stages.push(`${name}=${(Number(now - last) / 1e6).toFixed(2)}`);
  last = now;
};
for (const size of [1920, 960, 320]) {
  const base = sharp(input, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize(size, size, { fit: "inside", withoutEnlargement: true, kernel: "lanczos3" });
  outputs.push(await base.clone().webp({ quality: 80 }).toBuffer());
  stage(`webp-${size}`);
  outputs.push(await base.clone().jpeg({ quality: 82 }).toBuffer());
  stage(`jpeg-${size}`);
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const bytes = outputs.reduce((n, b) => n + b.length, 0);
console.log(`${ms.toFixed(1)} ${process.resourceUsage().maxRSS} ${bytes} ${stages.join(" ")}`);
