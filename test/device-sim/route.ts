/**
 * A synthetic drive as it sits in /data/media/0/realdata: route name "%08x--<10 hex>", one directory per
 * segment, and the files the uploader sends by itself (qlog.zst and qcamera.ts, qlog first within a segment).
 */
export interface SimSegmentFile {
  key: string;
  data: Uint8Array;
}

export function newRouteName(counter = Math.floor(Math.random() * 0xffff)): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(5)), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${counter.toString(16).padStart(8, "0")}--${random}`;
}

export type SegmentFileMaker = (routeName: string, segment: number) => Record<string, Uint8Array>;

/** Placeholder contents; callers that need parsable logs pass a maker that writes real qlogs. */
export const placeholderFiles: SegmentFileMaker = (route, segment) => ({
  "qlog.zst": new TextEncoder().encode(`qlog ${route} ${segment}`),
  "qcamera.ts": new TextEncoder().encode(`qcamera ${route} ${segment}`),
});

export function uploadOrder(
  routeName: string,
  segments: number,
  make: SegmentFileMaker = placeholderFiles,
): SimSegmentFile[] {
  const files: SimSegmentFile[] = [];
  for (let s = 0; s < segments; s++) {
    const made = make(routeName, s);
    for (const name of [
      "qlog.zst",
      "qlog.bz2",
      "qlog",
      "qcamera.ts",
      "rlog.zst",
      "fcamera.hevc",
      "ecamera.hevc",
      "dcamera.hevc",
    ]) {
      if (made[name]) files.push({ key: `${routeName}--${s}/${name}`, data: made[name] });
    }
  }
  return files;
}
