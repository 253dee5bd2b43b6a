// Keeps the report page of a live run current without reloading it.
//
// Every data-refresh-seconds seconds it fetches data-source, the live part
// of the page, and swaps it in when the run has changed. It sends the last
// ETag in If-None-Match, so an unchanged run costs a 304 and no diagnosis.
// It stops when the run is deleted (404) or the API key is rejected (401),
// and retries after other failures. Without JavaScript, the page's
// <noscript> meta refresh reloads the whole page instead.
"use strict";

(function () {
  const root = document.getElementById("live-report");
  const status = document.getElementById("refresh-status");
  if (!root || !status) {
    return;
  }

  const seconds = Number(root.dataset.refreshSeconds);
  if (!root.dataset.source || !(seconds > 0)) {
    return;
  }

  // Resolved against the origin, which has no user name or password. fetch
  // rejects a URL with credentials, and a page opened with credentials in
  // its address would resolve a relative URL to one.
  const source = new URL(root.dataset.source, window.location.origin).href;

  // The header value as the server sends it, quotes included.
  let etag = root.dataset.etag ? `"${root.dataset.etag}"` : "";

  // status is a live region. Its text changes only when the message changes,
  // so that screen readers do not repeat it at every request.
  function setStatus(text) {
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  // Elements that take the keyboard focus inside the live part.
  const FOCUSABLE = "a[href], button, summary, [tabindex]";

  function swapIn(html) {
    // Keep the keyboard focus at the same position among the focusable
    // elements, and the raw JSON open if the reader opened it.
    const focusIndex = Array.from(root.querySelectorAll(FOCUSABLE)).indexOf(
      document.activeElement,
    );
    const raw = root.querySelector("details.raw");
    const rawOpen = raw ? raw.open : false;
    root.innerHTML = html;
    const newRaw = root.querySelector("details.raw");
    if (newRaw && rawOpen) {
      newRaw.open = true;
    }
    if (focusIndex >= 0) {
      const element = root.querySelectorAll(FOCUSABLE)[focusIndex];
      if (element) {
        element.focus({ preventScroll: true });
      }
    }

    const state = root.querySelector(".live-state");
    if (state && state.dataset.title) {
      document.title = state.dataset.title;
    }
    const epochs = state ? state.dataset.nEpochs : "?";
    const time = new Date().toLocaleTimeString();
    setStatus(
      `Updated at ${time}: ${epochs} epochs stored. Updates every ${seconds} s.`,
    );
  }

  function schedule() {
    window.setTimeout(poll, seconds * 1000);
  }

  async function poll() {
    let response;
    try {
      response = await fetch(source, {
        headers: etag ? { "If-None-Match": etag } : {},
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (error) {
      setStatus(`The service did not respond; trying again every ${seconds} s.`);
      schedule();
      return;
    }

    if (response.status === 304) {
      schedule();
      return;
    }

    if (response.status === 404) {
      setStatus(
        "This run was deleted. The page shows its last state and no longer updates.",
      );
      return;
    }

    if (response.status === 401) {
      setStatus(
        "The service rejected the API key. Reload the page to enter one; " +
          "updates stopped.",
      );
      return;
    }

    if (!response.ok) {
      setStatus(
        `Update failed with HTTP ${response.status}; trying again every ` +
          `${seconds} s.`,
      );
      schedule();
      return;
    }

    const html = await response.text();
    etag = response.headers.get("ETag") || "";
    swapIn(html);
    schedule();
  }

  schedule();
})();
