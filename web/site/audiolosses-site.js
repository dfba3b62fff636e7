/* Audio Losses course website: the static explorers, the A/B player, wide figures on phones.
 * Loaded only on pages that contain one (see web/sphinx_ext/audiolosses_site.py). No dependencies. */
(function () {
  "use strict";

  // Explorers: each .audiolosses-explorer holds pre-computed figures for a grid of settings (JSON in
  // .alx-data); moving a control shows the figure of the new settings.
  function setUpExplorer(root) {
    const data = JSON.parse(root.querySelector("script.alx-data").textContent);
    const image = root.querySelector("img.alx-figure");
    const inputs = [...root.querySelectorAll("[data-alx-control]")];
    const byPosition = {};
    inputs.forEach((input) => { byPosition[input.dataset.alxControl] = input; });
    const chosen = [];
    // The selected value index of each control, read from the page.
    for (let i = 0; i < data.n; i++) chosen.push(byPosition[i] ? Number(byPosition[i].value) : 0);
    function update() {
      for (let i = 0; i < data.n; i++) {
        const labels = data.choices[i + ":" + chosen.slice(0, i).join(",")] || [];
        if (chosen[i] >= labels.length) chosen[i] = 0;
        const input = byPosition[i];
        if (!input) continue;
        if (input.tagName === "SELECT") {
          if ([...input.options].map((o) => o.text).join("\n") !== labels.join("\n")) {
            input.replaceChildren(...labels.map((text, k) => new Option(text, String(k))));
          }
          input.value = String(chosen[i]);
        } else {
          input.max = String(labels.length - 1);
          input.value = String(chosen[i]);
          const shown = input.parentElement.querySelector("output");
          if (shown) shown.textContent = labels[chosen[i]];
        }
      }
      const found = data.index[chosen.join(",")];
      if (found !== undefined) {
        image.src = data.images[found];
        image.alt = image.alt.replace(/ for .*$/, " for " + inputs.map((input) => {
          const label = input.parentElement.querySelector(".alx-label").textContent;
          const value = input.tagName === "SELECT" ? input.options[input.selectedIndex].text
            : input.parentElement.querySelector("output").textContent;
          return label + " " + value;
        }).join(", "));
        root.dataset.alxKey = chosen.join(",");
      }
    }
    inputs.forEach((input) => {
      input.disabled = false;
      input.addEventListener("input", () => { chosen[Number(input.dataset.alxControl)] = Number(input.value); update(); });
    });
    root.classList.add("alx-live");
  }

  // A/B player: one <audio> per version (true levels, embedded WAV); the buttons switch the version
  // that plays, at the same position, and one transport plays, pauses and seeks.
  function setUpPlayer(root) {
    const audios = [...root.querySelectorAll("audio")];
    const buttons = [...root.querySelectorAll("button.alx-version")];
    const play = root.querySelector("button.alx-play");
    const seek = root.querySelector("input.alx-seek");
    const time = root.querySelector(".alx-time");
    let active = 0;
    audios.forEach((audio) => { audio.controls = false; audio.preload = "auto"; });
    root.classList.add("alx-live");
    const current = () => audios[active];
    function show() {
      buttons.forEach((button, k) => button.setAttribute("aria-pressed", String(k === active)));
      const audio = current();
      const duration = isFinite(audio.duration) ? audio.duration : 0;
      seek.max = String(duration || 1);
      seek.value = String(audio.currentTime);
      time.textContent = audio.currentTime.toFixed(1) + " / " + duration.toFixed(1) + " s";
      play.textContent = audio.paused ? "▶ play" : "❚❚ pause";
      play.setAttribute("aria-label", audio.paused ? "play" : "pause");
      root.dataset.alxActive = String(active);
    }
    function select(k) {
      if (k === active) return;
      const previous = current();
      const playing = !previous.paused;
      const position = previous.currentTime;
      previous.pause();
      active = k;
      const next = current();
      next.currentTime = Math.min(position, isFinite(next.duration) ? next.duration : position);
      if (playing) next.play();
      show();
    }
    buttons.forEach((button, k) => button.addEventListener("click", () => select(k)));
    play.addEventListener("click", () => {
      const audio = current();
      if (audio.paused) {
        audios.forEach((other) => { if (other !== audio) other.pause(); });
        audio.play();
      } else {
        audio.pause();
      }
    });
    seek.addEventListener("input", () => { current().currentTime = Number(seek.value); show(); });
    audios.forEach((audio) => ["timeupdate", "play", "pause", "ended", "loadedmetadata"]
      .forEach((name) => audio.addEventListener(name, () => { if (audio === current()) show(); })));
    show();
  }

  // Wide figures (several panels side by side): on a phone they would shrink to unreadable text, so
  // each one sits in its own box that scrolls sideways at a readable width (CSS, phones only).
  const WIDE = 2.3;
  function boxWideFigure(image) {
    const box = () => {
      if (!image.naturalWidth || image.naturalWidth / image.naturalHeight < WIDE) return;
      if (image.parentElement.classList.contains("alx-wide-figure")) return;
      const wrapper = document.createElement("div");
      wrapper.className = "alx-wide-figure";
      image.replaceWith(wrapper);
      wrapper.appendChild(image);
    };
    if (image.complete) box();
    else image.addEventListener("load", box, { once: true });
  }

  function start() {
    document.querySelectorAll("article .cell_output img, article img.alx-figure").forEach(boxWideFigure);
    document.querySelectorAll(".audiolosses-explorer:not(.alx-live)").forEach(setUpExplorer);
    document.querySelectorAll(".audiolosses-ab:not(.alx-live)").forEach(setUpPlayer);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
