// The viewer's info panel: the facts /api/photos/<id>/info gives (library.services.photo_info),
// worded for people. Built as DOM nodes with textContent: names and tags came from the files.

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
  "November", "December"];
const ROLES = { motion: "Live Photo motion", raw: "RAW", still: "still", "embedded motion": "motion inside this file" };

// "2022-01-01" → "Saturday 1 January 2022", as the gallery's day headings say it.
export function dayLabel(day) {
  const [year, month, date] = (day || "").split("-").map(Number);
  if (!year || !month || !date) return day || "";
  const weekday = new Date(Date.UTC(year, month - 1, date)).getUTCDay();
  return `${WEEKDAYS[weekday]} ${date} ${MONTHS[month - 1]} ${year}`;
}

function fileSize(bytes) {
  if (bytes == null) return "";
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return unit === 0 ? `${bytes.toLocaleString("en")} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// 0.004 → "1/250 s"; 2.5 → "2.5 s".
function shutter(seconds) {
  if (seconds >= 0.3) return `${Number(seconds.toFixed(1))} s`;
  return `1/${Math.round(1 / seconds)} s`;
}

function exposureText({ f_number, exposure_time, iso, focal_length, focal_length_35mm }) {
  const parts = [];
  if (f_number) parts.push(`f/${Number(f_number.toFixed(1))}`);
  if (exposure_time) parts.push(shutter(exposure_time));
  if (iso) parts.push(`ISO ${iso}`);
  if (focal_length) {
    const equivalent = focal_length_35mm ? ` (${focal_length_35mm} mm in 35 mm terms)` : "";
    parts.push(`${Number(focal_length.toFixed(1))} mm${equivalent}`);
  }
  return parts.join(" · ");
}

// "Canon" + "Canon EOS R5" → "Canon EOS R5": many cameras repeat their make in the model.
function named(make, model) {
  if (!model) return make || "";
  return make && !model.toLowerCase().startsWith(make.toLowerCase().split(" ")[0]) ? `${make} ${model}` : model;
}

function takenText(taken) {
  const [day, time] = taken.local.split("T");
  const zone = taken.time_zone ? `${taken.zone}, ${taken.time_zone}` : taken.zone;
  return `${dayLabel(day)}, ${time.slice(0, 8)} (${zone})`;
}

function coordinates({ latitude, longitude, altitude }) {
  const text = `${Math.abs(latitude).toFixed(5)}° ${latitude < 0 ? "S" : "N"}, ` +
    `${Math.abs(longitude).toFixed(5)}° ${longitude < 0 ? "W" : "E"}`;
  return altitude == null ? text : `${text}, ${Math.round(altitude)} m`;
}

function duration(seconds) {
  const whole = Math.round(seconds), minutes = Math.floor(whole / 60);
  return seconds < 1 ? `${seconds.toFixed(1)} s` : `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

function listOf(items, describe) {
  const list = document.createElement("ul");
  for (const item of items) {
    const entry = document.createElement("li");
    entry.append(...describe(item));
    list.append(entry);
  }
  return list;
}

function link(href, text) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  return anchor;
}

// [label, value (text or node)] for every fact the photo has; what it lacks is left out.
function rows(info) {
  const place = info.place;
  return [
    ["Taken", takenText(info.taken)],
    ["Camera", named(info.camera.make, info.camera.model)],
    ["Lens", named(info.lens.make, info.lens.model)],
    ["Exposure", exposureText(info.exposure)],
    ["Size", info.dimensions ? `${info.dimensions.width} × ${info.dimensions.height} (${info.dimensions.megapixels} MP)` : ""],
    ["Duration", info.duration ? duration(info.duration) : ""],
    ["File", `${fileSize(info.file_size)}, ${info.format.toUpperCase()} (${info.mime_type})`],
    ["Name", info.name],
    ["Place", place ? place.name || "Unnamed place" : ""],
    ["Coordinates", place ? coordinates(place) : ""],
    ["Albums", info.albums.length ? listOf(info.albums, (album) => [link(album.url, album.title)]) : "None"],
    ["Moment", info.moment.length ? listOf(info.moment, (file) => [
      file.url ? link(file.url, file.name) : file.name,
      ` (${ROLES[file.role] || file.role}, ${file.format.toUpperCase()}, ${fileSize(file.file_size)})`,
    ]) : ""],
  ].filter(([, value]) => value);
}

export function renderInfo(panel, info) {
  const title = document.createElement("h2");
  title.textContent = info.name;
  const list = document.createElement("dl");
  for (const [label, value] of rows(info)) {
    const term = document.createElement("dt"), detail = document.createElement("dd");
    term.textContent = label;
    detail.append(value);
    detail.dataset.fact = label.toLowerCase();
    list.append(term, detail);
  }
  panel.replaceChildren(title, list);
  panel.dataset.photoId = String(info.id);
}

export function renderInfoFailure(panel, id) {
  const note = document.createElement("p");
  note.textContent = "The info of this photo could not be loaded.";
  panel.replaceChildren(note);
  panel.dataset.photoId = String(id);
}
