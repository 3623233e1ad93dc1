// What the viewer shows of a photo or video (viewer.js puts it on its stage): a photo's large
// preview, which zooms and pans; a video playing its playable source — the original, or a web
// rendition that may still be streaming while it is made — saying so when the browser cannot; a
// Live Photo or motion photo's still, playing its motion once, muted, and again on hover or press.
import { zoomable } from "./viewer_gestures.js";

// Photos show their large preview (browsers cannot show HEIC or raw); videos play `data-play`, a
// moment's motion `data-motion` (a Live Photo's is its video's playable source too).
export function mediaFor(tile) {
  if (tile.motion) return liveMedia(tile);
  if (tile.kind !== "video") return zoomable(tile);
  return videoPlayer(tile);
}

// A video with a note over it while it has no picture yet: a first play of a video that needs a
// web rendition waits while the server makes it, or while other videos are made first. The
// server holds such a request a while, then answers 503 with Retry-After: the player then says
// it is waiting and asks again after that long.
const MAX_PLAYER_RETRIES = 2;  // of a URL that answers but whose video fails: then it is unplayable
function videoPlayer(tile) {
  const player = document.createElement("div");
  player.className = "player";
  const video = document.createElement("video");
  video.controls = true;
  video.autoplay = true;
  video.preload = "metadata";
  video.poster = tile.preview;
  const note = document.createElement("p");
  note.className = "player-note";
  note.setAttribute("role", "status");
  note.hidden = true;
  const say = (text) => { note.textContent = text; note.hidden = false; };
  let retries = 0;
  video.addEventListener("loadstart", () => {
    setTimeout(() => { if (video.readyState < 2 && note.hidden) say("Waiting for the video to be prepared for the browser…"); }, 500);
  });
  video.addEventListener("loadeddata", () => { note.hidden = true; });
  video.addEventListener("error", async () => {
    const answer = await statusOf(tile.play);
    if (!player.isConnected) return;
    if (answer.status === 503 || (answer.ok && retries++ < MAX_PLAYER_RETRIES)) {
      if (answer.status === 503) say("Waiting: other videos are being prepared first…");
      setTimeout(() => { if (player.isConnected) video.src = tile.play; }, answer.retryAfter * 1000);
    } else {
      player.replaceWith(unplayable(tile));
    }
  });
  // Sound over no picture (a codec the browser lacks, served as it is): never a blank player.
  video.addEventListener("loadedmetadata", () => {
    if (video.videoWidth === 0) player.replaceWith(unplayable(tile));
  });
  video.src = tile.play;
  player.append(video, note);
  return player;
}

// Why a video would not load: its URL's status (the player's own request does not tell), and how
// long the server asks to wait. Only the headers are read.
async function statusOf(url) {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { credentials: "same-origin", signal: controller.signal });
    const retryAfter = response.status === 503 ? Number(response.headers.get("Retry-After")) || 5 : 0;
    return { status: response.status, ok: response.ok && !response.redirected, retryAfter };
  } catch {
    return { status: 0, ok: false, retryAfter: 0 };
  } finally {
    controller.abort();
  }
}

// What a video the browser cannot play shows instead: its poster, why, and the download.
function unplayable(tile) {
  const box = document.createElement("figure");
  box.className = "unplayable";
  const poster = document.createElement("img");
  poster.alt = tile.name;
  poster.src = tile.preview;
  const note = document.createElement("figcaption");
  note.textContent = "This video can't be played in the browser. ";
  const link = document.createElement("a");
  link.href = `${tile.original}?download=1`;
  link.textContent = "Download original";
  if (tile.original) note.append(link);  // a share link may offer no download
  box.append(poster, note);
  return box;
}

// A moment with motion: the still, and over it its video, shown only while it plays. It plays
// once (muted) when opened, again on hover or press; the sound button turns the sound on.
function liveMedia(tile) {
  const box = document.createElement("div");
  box.className = "live";
  const still = document.createElement("img");
  still.alt = tile.name;
  still.src = tile.preview;
  const motion = document.createElement("video");
  motion.className = "live-motion";
  motion.muted = true;
  motion.playsInline = true;
  motion.preload = "auto";
  motion.src = tile.motion;
  const sound = document.createElement("button");
  sound.type = "button";
  sound.className = "live-sound";
  sound.textContent = "Sound off";
  sound.setAttribute("aria-pressed", "false");
  const play = () => {
    motion.currentTime = 0;
    motion.play().catch(() => box.classList.remove("playing"));
  };
  motion.addEventListener("playing", () => box.classList.add("playing"));
  motion.addEventListener("ended", () => box.classList.remove("playing"));
  box.addEventListener("pointerenter", play);
  box.addEventListener("pointerdown", play);
  sound.addEventListener("pointerdown", (event) => event.stopPropagation());
  sound.addEventListener("click", () => {
    motion.muted = !motion.muted;
    sound.textContent = motion.muted ? "Sound off" : "Sound on";
    sound.setAttribute("aria-pressed", String(!motion.muted));
    if (!motion.muted) play();
  });
  box.append(still, motion, sound);
  play();
  return box;
}

// Space: plays or pauses what moves on the stage (a video, or a Live Photo's motion).
export function togglePlayback(stage) {
  const video = stage.querySelector(".player video, .live-motion");
  if (!video) return;
  if (video.paused || video.ended) video.play().catch(() => {});
  else video.pause();
}
