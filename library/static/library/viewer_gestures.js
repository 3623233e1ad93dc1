// The viewer's gestures on its stage, with pointer events (mouse, touch and pen alike): a swipe
// steps to the next or previous photo; a click or a pinch zooms a photo's preview and a drag
// pans it; a double-click or double-tap toggles the zoom. The zoom is a CSS transform of the
// picture, set through the CSSOM (the Content-Security-Policy refuses style attributes).

const CLICK_ZOOM = 2.5;  // a click zooms at least this far, or to the preview's own pixels if further
const MAX_ZOOM = 8;
const SWIPE_DISTANCE = 50;  // px, mostly sideways
const TAP_SLOP = 8;  // px a tap or a click may wander
const DOUBLE_TAP_MS = 350;
const zooms = new WeakMap();  // .zoom box → { scale, x, y }

// A photo's preview in a box that zooms.
export function zoomable(tile) {
  const box = document.createElement("div");
  box.className = "zoom";
  const image = document.createElement("img");
  image.alt = tile.name;
  image.src = tile.preview;
  image.draggable = false;
  box.append(image);
  zooms.set(box, { scale: 1, x: 0, y: 0 });
  return box;
}

// The size the picture is drawn at when not zoomed (object-fit: contain in its box).
function drawnSize(box) {
  const image = box.firstElementChild, rect = box.getBoundingClientRect();
  const fit = Math.min(rect.width / (image.naturalWidth || 1), rect.height / (image.naturalHeight || 1));
  return { fit, width: fit * image.naturalWidth, height: fit * image.naturalHeight, rect };
}

// Keeps the zoomed picture over the box: it is never panned past its edges.
function clamp(box, zoom) {
  const { width, height, rect } = drawnSize(box);
  const room = (drawn, shown) => Math.max(0, (drawn * zoom.scale - shown) / 2);
  zoom.x = Math.max(-room(width, rect.width), Math.min(room(width, rect.width), zoom.x));
  zoom.y = Math.max(-room(height, rect.height), Math.min(room(height, rect.height), zoom.y));
}

function apply(box) {
  const zoom = zooms.get(box);
  clamp(box, zoom);
  box.firstElementChild.style.transform = zoom.scale === 1 ? "" : `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})`;
  box.classList.toggle("zoomed", zoom.scale > 1);
  box.dataset.scale = String(zoom.scale);
}

// Zooms to `scale`, keeping the point under (clientX, clientY) where it is.
function zoomTo(box, scale, clientX, clientY) {
  const zoom = zooms.get(box), rect = box.getBoundingClientRect();
  const px = clientX - (rect.left + rect.width / 2), py = clientY - (rect.top + rect.height / 2);
  const next = Math.max(1, Math.min(MAX_ZOOM, scale));
  zoom.x = next === 1 ? 0 : px - (next * (px - zoom.x)) / zoom.scale;
  zoom.y = next === 1 ? 0 : py - (next * (py - zoom.y)) / zoom.scale;
  zoom.scale = next;
  apply(box);
}

function zoomIn(box, clientX, clientY) {
  zoomTo(box, Math.max(CLICK_ZOOM, 1 / drawnSize(box).fit), clientX, clientY);
}

function centre(box) {
  const rect = box.getBoundingClientRect();
  return [rect.left + rect.width / 2, rect.top + rect.height / 2];
}

export function isZoomed(stage) {
  const box = stage.querySelector(".zoom");
  return Boolean(box && zooms.get(box).scale > 1);
}

// Zooms in or back out (the `x` key, a double-click, a double-tap); around the centre by default.
export function toggleZoom(stage, clientX, clientY) {
  const box = stage.querySelector(".zoom");
  if (!box) return;
  const [x, y] = clientX === undefined ? centre(box) : [clientX, clientY];
  if (zooms.get(box).scale > 1) zoomTo(box, 1, x, y);
  else zoomIn(box, x, y);
}

export function attachGestures(stage, { onSwipe }) {
  const pointers = new Map();  // pointerId → { x, y } now
  let gesture = null;  // what the pointers down are doing: { start, pinch, pan }
  let lastTapAt = -Infinity, lastPointerType = "";
  let clicks = [false, false];  // whether each of the last two mouse gestures zoomed in (a drag did not)

  stage.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.target.closest("button, a")) return;
    lastPointerType = event.pointerType;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    try { stage.setPointerCapture(event.pointerId); } catch { /* a pointer the browser no longer tracks */ }
    const box = stage.querySelector(".zoom");
    if (pointers.size === 1) {
      const zoom = box && zooms.get(box);
      gesture = { start: { x: event.clientX, y: event.clientY }, pan: zoom?.scale > 1 ? { x: zoom.x, y: zoom.y } : null };
      if (gesture.pan) box.classList.add("panning");
    } else if (pointers.size === 2 && box) {
      const [a, b] = [...pointers.values()];
      gesture = { pinch: { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, scale: zooms.get(box).scale } };
    }
  });

  stage.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId) || !gesture) return;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    const box = stage.querySelector(".zoom");
    if (gesture.pinch && pointers.size === 2 && box) {
      const [a, b] = [...pointers.values()];
      const scale = (gesture.pinch.scale * Math.hypot(a.x - b.x, a.y - b.y)) / gesture.pinch.distance;
      zoomTo(box, scale, (a.x + b.x) / 2, (a.y + b.y) / 2);
    } else if (gesture.pan && box) {
      const zoom = zooms.get(box);
      zoom.x = gesture.pan.x + event.clientX - gesture.start.x;
      zoom.y = gesture.pan.y + event.clientY - gesture.start.y;
      apply(box);
    }
  });

  const release = (event) => {
    if (!pointers.delete(event.pointerId)) return;
    const ended = gesture;
    if (pointers.size > 0 || !ended) return;
    gesture = null;
    stage.querySelector(".zoom")?.classList.remove("panning");
    if (event.type === "pointerup" && ended.start) finish(ended, event);
  };
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);

  // A one-pointer gesture that ended: a swipe, a click, a tap or the second tap of two.
  function finish(ended, event) {
    const dx = event.clientX - ended.start.x, dy = event.clientY - ended.start.y;
    const box = stage.querySelector(".zoom");
    let zoomedIn = false;
    if (!ended.pan && Math.abs(dx) > SWIPE_DISTANCE && Math.abs(dx) > 1.5 * Math.abs(dy)) {
      onSwipe(dx < 0 ? 1 : -1);
    } else if (box && Math.hypot(dx, dy) < TAP_SLOP) {
      if (event.pointerType === "mouse") {
        zoomedIn = zooms.get(box).scale === 1;
        if (zoomedIn) zoomIn(box, event.clientX, event.clientY);
      } else if (performance.now() - lastTapAt < DOUBLE_TAP_MS) {
        toggleZoom(stage, event.clientX, event.clientY);
        lastTapAt = -Infinity;  // a third tap starts a new pair
      } else {
        lastTapAt = performance.now();
      }
    }
    if (event.pointerType === "mouse") clicks = [clicks[1], zoomedIn];
  }

  // A double-click toggles from where it began: when its first click zoomed in, that was the toggle.
  stage.addEventListener("dblclick", (event) => {
    if (lastPointerType !== "mouse" || clicks[0]) return;
    toggleZoom(stage, event.clientX, event.clientY);
  });
}
