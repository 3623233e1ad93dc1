// A tile's placeholder until its thumbnail arrives: the photo's ThumbHash (a ~25-byte summary of
// its colours, sent base64 in the tile's `placeholder`): its average colour at once, then the hash
// drawn into a tiny canvas the tile stretches, a few per frame.
// The decoder follows the published ThumbHash format (Evan Wallace's, MIT): a header of the
// average colour (L, P, Q channels) and scales, then 4-bit cosine coefficients per channel.
"use strict";

window.photositePlaceholder = (() => {
  const { PI, cos, max, min, round } = Math;

  function bytesOf(base64) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
    return bytes;
  }

  // Reads `count` coefficients of an nx×ny triangle (the low frequencies) as 4-bit numbers.
  function coefficients(reader, nx, ny, scale) {
    const values = [];
    for (let cy = 0; cy < ny; cy++) {
      for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) values.push((reader() / 7.5 - 1) * scale);
    }
    return values;
  }

  function decode(hash) {
    if (hash.length < 5) return null;
    const header = hash[0] | (hash[1] << 8) | (hash[2] << 16);
    const second = hash[3] | (hash[4] << 8);
    const alpha = header >> 23;
    const landscape = second >> 15;
    const lx = max(3, landscape ? (alpha ? 5 : 7) : second & 7);
    const ly = max(3, landscape ? second & 7 : (alpha ? 5 : 7));
    const start = alpha ? 6 : 5;
    let nibble = 0;
    const reader = () => (hash[start + (nibble >> 1)] >> ((nibble++ & 1) << 2)) & 15;
    const dc = { l: (header & 63) / 63, p: ((header >> 6) & 63) / 31.5 - 1, q: ((header >> 12) & 63) / 31.5 - 1,
      a: alpha ? (hash[5] & 15) / 15 : 1 };
    const l = coefficients(reader, lx, ly, ((header >> 18) & 31) / 31);
    const p = coefficients(reader, 3, 3, ((second >> 3) & 63) / 63 * 1.25);  // saturation lost to rounding
    const q = coefficients(reader, 3, 3, ((second >> 9) & 63) / 63 * 1.25);
    const a = alpha ? coefficients(reader, 5, 5, (hash[5] >> 4) / 15) : null;
    const ratio = (landscape ? (alpha ? 5 : 7) : second & 7) / (landscape ? second & 7 : (alpha ? 5 : 7));
    const w = round(ratio > 1 ? 32 : 32 * ratio), h = round(ratio > 1 ? 32 / ratio : 32);
    const rgba = new Uint8ClampedArray(w * h * 4);
    const sum = (values, nx, ny, fx, fy) => {
      let total = 0;
      for (let cy = 0, j = 0; cy < ny; cy++) {
        for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++, j++) total += values[j] * fx[cx] * fy[cy] * 2;
      }
      return total;
    };
    const fx = [], fy = [];
    for (let y = 0, i = 0; y < h; y++) {
      for (let cy = 0; cy < max(ly, 5); cy++) fy[cy] = cos(PI / h * (y + 0.5) * cy);
      for (let x = 0; x < w; x++, i += 4) {
        for (let cx = 0; cx < max(lx, 5); cx++) fx[cx] = cos(PI / w * (x + 0.5) * cx);
        const lum = dc.l + sum(l, lx, ly, fx, fy);
        const pp = dc.p + sum(p, 3, 3, fx, fy);
        const qq = dc.q + sum(q, 3, 3, fx, fy);
        const blue = lum - 2 / 3 * pp;
        const red = (3 * lum - blue + qq) / 2;
        rgba[i] = 255 * min(1, red);
        rgba[i + 1] = 255 * min(1, red - qq);
        rgba[i + 2] = 255 * min(1, blue);
        rgba[i + 3] = 255 * min(1, alpha ? dc.a + sum(a, 5, 5, fx, fy) : 1);
      }
    }
    return { w, h, rgba };
  }

  // Draws the placeholder into `canvas`; false when the text is not a ThumbHash.
  function draw(canvas, base64) {
    let image;
    try {
      image = decode(bytesOf(base64));
    } catch {
      return false;
    }
    if (!image) return false;
    canvas.width = image.w;
    canvas.height = image.h;
    canvas.getContext("2d").putImageData(new ImageData(image.rgba, image.w, image.h), 0, 0);
    return true;
  }

  // The photo's average colour, from the hash's header alone (no pixels to work out): what a tile
  // shows the moment it is drawn. Null when the text is not a ThumbHash.
  function averageColour(base64) {
    let hash;
    try {
      hash = bytesOf(base64);
    } catch {
      return null;
    }
    if (hash.length < 5) return null;
    const header = hash[0] | (hash[1] << 8) | (hash[2] << 16);
    const lum = (header & 63) / 63, p = ((header >> 6) & 63) / 31.5 - 1, q = ((header >> 12) & 63) / 31.5 - 1;
    const blue = lum - 2 / 3 * p;
    const red = (3 * lum - blue + q) / 2;
    const channel = (value) => round(255 * max(0, min(1, value)));
    return `rgb(${channel(red)} ${channel(red - q)} ${channel(blue)})`;
  }

  // The full placeholders wait in a queue that each frame works through for a few milliseconds:
  // a scroll that brings fifty tiles would otherwise spend its frame making fifty canvases (a 2-D
  // context each, the costly part) and hold the main thread past 50 ms. A tile whose thumbnail
  // has arrived, or that has left the page, is skipped.
  const FRAME_BUDGET_MS = 4;
  const waiting = [];
  let draining = false;

  function drawSoon(tile, base64) {
    const colour = averageColour(base64);
    if (!colour) return;
    tile.style.backgroundColor = colour;
    waiting.push([tile, base64]);
    if (!draining) {
      draining = true;
      requestAnimationFrame(drain);
    }
  }

  function drain() {
    const until = performance.now() + FRAME_BUDGET_MS;
    while (waiting.length && performance.now() < until) {
      const [tile, base64] = waiting.shift();
      if (!tile.isConnected || tile.classList.contains("loaded")) continue;
      const canvas = document.createElement("canvas");
      canvas.className = "placeholder";
      if (draw(canvas, base64)) tile.prepend(canvas);
    }
    draining = waiting.length > 0;
    if (draining) requestAnimationFrame(drain);
  }

  return { draw, drawSoon };
})();
