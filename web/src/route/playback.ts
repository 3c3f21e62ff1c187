/**
 * One clock for the route page: the video, map marker, timeline bar and speed chart all read `time` (seconds
 * since route start) and call `seek`. While a video is attached and covers the position, it is the clock (video
 * time = route time: comma's qcamera playlists are one ~60 s file per segment). Past the end of the video (a
 * segment not uploaded, or no video at all, e.g. offline) seeking still moves everything else.
 */
import { createSignal, onCleanup } from "solid-js";

export interface Playback {
  time: () => number;
  playing: () => boolean;
  seek(seconds: number): void;
  attach(video: HTMLVideoElement): void;
  detach(): void;
}

export function createPlayback(): Playback {
  const [time, setTime] = createSignal(0);
  const [playing, setPlaying] = createSignal(false);
  let video: HTMLVideoElement | null = null;
  let videoDriven = true;
  let frame = 0;

  // timeupdate fires ~4 times a second; a frame loop keeps the marker smooth while playing.
  const tick = () => {
    if (video && videoDriven) setTime(video.currentTime);
    frame = video && !video.paused ? requestAnimationFrame(tick) : 0;
  };
  const onPlay = () => {
    videoDriven = true;
    setPlaying(true);
    if (!frame) frame = requestAnimationFrame(tick);
  };
  const onPause = () => {
    setPlaying(false);
    tick();
  };
  const onTime = () => {
    if (videoDriven) setTime(video!.currentTime);
  };

  const detach = () => {
    if (!video) return;
    video.removeEventListener("play", onPlay);
    video.removeEventListener("pause", onPause);
    video.removeEventListener("seeked", onTime);
    video.removeEventListener("timeupdate", onTime);
    cancelAnimationFrame(frame);
    frame = 0;
    video = null;
  };
  onCleanup(detach);

  return {
    time,
    playing,
    seek(seconds) {
      const t = Math.max(0, seconds);
      setTime(t);
      if (!video) return;
      const covered = !Number.isFinite(video.duration) || t <= video.duration;
      videoDriven = covered;
      if (covered) video.currentTime = t;
      else video.pause();
    },
    attach(el) {
      detach();
      video = el;
      el.addEventListener("play", onPlay);
      el.addEventListener("pause", onPause);
      el.addEventListener("seeked", onTime);
      el.addEventListener("timeupdate", onTime);
      if (time() > 0) el.currentTime = time();
      if (!el.paused) onPlay();
    },
    detach,
  };
}
