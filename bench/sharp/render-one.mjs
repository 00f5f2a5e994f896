// Renders one file the way resize-image does: EXIF orientation applied, longest side 1920,
// 960 and 320 (never enlarged), each as WebP (quality 80) and JPEG (quality 82), metadata
// dropped. Prints "<milliseconds> <peak RSS KiB>" for the in-memory work (file read excluded).
import { readFileSync } from "node:fs";
import sharp from "sharp";

const [file, threads] = [process.argv[2], Number(process.argv[3] ?? "1")];
sharp.concurrency(threads);
sharp.cache(false);
const input = readFileSync(file);
const started = process.hrtime.bigint();
const outputs = [];
for (const size of [1920, 960, 320]) {
  const base = sharp(input, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize(size, size, { fit: "inside", withoutEnlargement: true, kernel: "lanczos3" });
  outputs.push(await base.clone().webp({ quality: 80 }).toBuffer());
  outputs.push(await base.clone().jpeg({ quality: 82 }).toBuffer());
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const bytes = outputs.reduce((n, b) => n + b.length, 0);
console.log(`${ms.toFixed(1)} ${process.resourceUsage().maxRSS} ${bytes}`);
