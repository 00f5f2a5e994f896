// Photo upload: announce the photo (POST /cafes/{id}/photos with an Idempotency-Key, so a retry
// gets the same pending photo), send the file straight to the presigned POST target with
// progress (XMLHttpRequest: fetch has no upload progress), then poll the photo until the worker
// has made its renditions.
import { useRef, useState } from "preact/hooks";
import { api, ok, type Schemas } from "../api/client.ts";
import { ActionKey } from "../lib/idempotency.ts";
import { Note, Picture, useSession } from "../ui.tsx";

const TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

function post(target: { url: string; fields: string[][] }, file: File, onProgress: (f: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of target.fields) if (k !== undefined && v !== undefined) form.append(k, v);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target.url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`The upload was refused (${xhr.status}).`)));
    xhr.onerror = () => reject(new Error("The upload failed: check your connection and try again."));
    xhr.send(form);
  });
}

export function PhotoUpload(props: { cafeId: string; onReady: () => void }) {
  const session = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [caption, setCaption] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Schemas["Photo"] | null>(null);
  const key = useRef(new ActionKey());
  if (!session) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file || progress !== null) return;
    setError(null);
    setDone(null);
    if (!(TYPES as readonly string[]).includes(file.type)) {
      setError("Please choose a JPEG, PNG or WebP image.");
      return;
    }
    try {
      setProgress(0);
      setStatus("Starting the upload…");
      const body = { contentType: file.type as (typeof TYPES)[number], contentLength: file.size, ...(caption ? { caption } : {}) };
      const created = await ok(
        api.POST("/cafes/{cafeId}/photos", {
          params: { path: { cafeId: props.cafeId }, header: { "Idempotency-Key": key.current.for({ name: file.name, ...body }) } },
          body,
        }),
      );
      setStatus("Uploading…");
      await post(created.upload, file, setProgress);
      setStatus("Processing the photo…");
      const photoId = created.photo.id;
      for (let i = 0; i < 60; i++) {
        const photo = await ok(api.GET("/photos/{photoId}", { params: { path: { photoId } } }));
        if (photo.status === "ready") {
          key.current.done();
          setDone(photo);
          setStatus("Your photo is ready.");
          props.onReady();
          return;
        }
        if (photo.status === "failed") throw new Error(`The photo could not be used: ${photo.failureReason ?? "unknown reason"}.`);
        await new Promise((r) => setTimeout(r, Math.min(2000, 250 * (i + 1))));
      }
      throw new Error("The photo is taking long to process. Look again later.");
    } catch (err) {
      setStatus(null);
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setProgress(null);
    }
  };
  return (
    <section aria-labelledby="upload">
      <h2 id="upload">Add a photo</h2>
      <form onSubmit={submit} class="upload">
        <label for="photo-file">Photo (JPEG, PNG or WebP)</label>
        <input id="photo-file" type="file" accept={TYPES.join(",")} onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <label for="photo-caption">Caption (optional)</label>
        <input id="photo-caption" type="text" maxLength={200} value={caption} onInput={(e) => setCaption(e.currentTarget.value)} />
        <button type="submit" disabled={!file || progress !== null}>
          Upload photo
        </button>
        {progress !== null ? (
          <progress max={1} value={progress} aria-label="Upload progress">
            {Math.round(progress * 100)}%
          </progress>
        ) : null}
        <Note error={error} status={status} />
      </form>
      {done ? (
        <figure class="uploaded">
          <Picture renditions={done.renditions} alt={done.caption ?? "Your uploaded photo"} sizes="320px" />
          <figcaption>Your photo</figcaption>
        </figure>
      ) : null}
    </section>
  );
}
