// The rate–distortion side of the photo benchmark: renders one file the way render-one.mjs does
// (EXIF rotation, Lanczos3, fit inside 1920/960/320 without enlarging, metadata dropped) at every
// quality given, and writes each rendition as <outdir>/<size>-<quality>.<jpeg|webp> for scoring,
// and the JPEG once more without chroma subsampling as <size>-<quality>-444.jpeg (sharp's default
// is 4:2:0; the comparison takes whichever of the two needs fewer bytes for a score), and the WebP
// once more with libwebp's sharp RGB → YUV conversion (`smartSubsample`) as
// <size>-<quality>-sharpyuv.webp (likewise the cheaper of the two).
// Usage: node sweep.mjs <file> <outdir> <q,q,…>
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import sharp from "sharp";

const [file, outdir, list] = process.argv.slice(2);
const qualities = list.split(",").map(Number);
sharp.concurrency(1);
sharp.cache(false);
mkdirSync(outdir, { recursive: true });
const input = readFileSync(file);
for (const size of [1920, 960, 320]) {
  const base = sharp(input, { limitInputPixels: 50_000_000 })
    .rotate()
    .resize(size, size, { fit: "inside", withoutEnlargement: true, kernel: "lanczos3" });
  for (const quality of qualities) {
    writeFileSync(`${outdir}/${size}-${quality}.webp`, await base.clone().webp({ quality }).toBuffer());
    writeFileSync(
      `${outdir}/${size}-${quality}-sharpyuv.webp`,
      await base.clone().webp({ quality, smartSubsample: true }).toBuffer(),
    );
    writeFileSync(`${outdir}/${size}-${quality}.jpeg`, await base.clone().jpeg({ quality }).toBuffer());
    writeFileSync(
      `${outdir}/${size}-${quality}-444.jpeg`,
      await base.clone().jpeg({ quality, chromaSubsampling: "4:4:4" }).toBuffer(),
    );
  }
}
