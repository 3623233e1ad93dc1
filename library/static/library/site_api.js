// The site's JSON API as pages call it: same origin, the CSRF token in X-CSRFToken (as import.js
// sends it), and a refusal's {"error": reason} thrown as an Error carrying that reason.
"use strict";

window.photositeApi = (csrfToken) => async (url, method = "GET", body = undefined) => {
  const response = await fetch(url, {
    method, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "X-CSRFToken": csrfToken, "Content-Type": "application/json", Accept: "application/json" },
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
  return answer;
};
