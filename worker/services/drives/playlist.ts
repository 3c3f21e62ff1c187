/**
 * The qcamera HLS playlist: one entry per uploaded qcamera.ts (each a ~60 s MPEG-TS segment), with its real
 * duration when processing measured it, and a discontinuity where segments are missing, so players keep the
 * timeline honest instead of stitching unrelated video together.
 */
export interface PlaylistEntry {
  number: number;
  durationSeconds: number | null;
  url: string;
}

export const DEFAULT_SEGMENT_SECONDS = 60;

export function qcameraPlaylist(entries: PlaylistEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.number - b.number);
  const durations = sorted.map((e) => e.durationSeconds ?? DEFAULT_SEGMENT_SECONDS);
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(DEFAULT_SEGMENT_SECONDS, ...durations))}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
  ];
  sorted.forEach((entry, i) => {
    if (i > 0 && entry.number !== sorted[i - 1].number + 1) lines.push("#EXT-X-DISCONTINUITY");
    lines.push(`#EXTINF:${durations[i].toFixed(3)},${entry.number}`, entry.url);
  });
  lines.push("#EXT-X-ENDLIST", "");
  return lines.join("\n");
}
