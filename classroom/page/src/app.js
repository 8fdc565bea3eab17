// reesim classroom page: a team's dashboard (join with a code), the teacher console (URL#teacher=TOKEN)
// and the debrief. Speaks the classroom protocol (proto/classroom.proto) over one WebSocket at /ws of
// the page's own origin; charts with uPlot, served by the same server. No request leaves the origin.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const SECTORS = ["ev", "wind", "electronics", "defence", "industrial"];
  const COLORS = ["#0b5cad", "#c0392b", "#1d7a3a", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#b7950b"];

  // The teacher's token comes in the URL's fragment (never sent to the server) and is kept for reloads.
  const params = new URLSearchParams(location.hash.slice(1));
  let teacherToken = params.get("teacher") || "";
  try {
    if (teacherToken) sessionStorage.setItem("reesim.teacher", teacherToken);
    else if (params.has("teacher")) teacherToken = sessionStorage.getItem("reesim.teacher") || "";
  } catch (e) { /* storage refused: keep what the URL gave */ }
  const state = {
    teacherToken,
    token: "",
    welcome: null,
    results: [],        // round_result messages by round
    view: null,         // teacher_view
    phase: "",
    deadline: 0,
    charts: {},
    ws: null,
    retry: 500,
  };
  if (!state.teacherToken) {
    try { state.token = localStorage.getItem("reesim.token") || ""; } catch (e) { state.token = ""; }
  }
  // A join URL with the class code (#code=...) lets the team pick a country at once.
  const classCode = state.teacherToken ? "" : (params.get("code") || "");

  // ------------------------------------------------------------------------------------------------
  // Connection.

  function connect() {
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    state.ws = ws;
    setStatus("Connecting…");
    ws.onopen = () => {
      state.retry = 500;
      state.helloPending = !!(state.teacherToken || state.token);
      if (state.teacherToken) send({ hello: { token: state.teacherToken } });
      else if (state.token) send({ hello: { token: state.token } });
      else {
        show("join");
        setStatus("Connected: enter your code");
        if (classCode) {
          $("join-code").value = classCode;
          askForSeats(classCode);
        }
      }
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      const key = Object.keys(message)[0];
      const handler = handlers[key];
      if (handler) handler(message[key] || {});
    };
    ws.onclose = () => {
      setStatus("Connection lost: reconnecting…");
      setTimeout(connect, state.retry);
      state.retry = Math.min(state.retry * 2, 8000);
    };
  }

  function send(message) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
    else notice("Not connected yet: try again in a moment.");
  }

  const handlers = {
    welcome(w) {
      state.helloPending = false;
      state.welcome = w;
      $("seat-picker").hidden = true;
      state.token = w.token;
      try { localStorage.setItem("reesim.token", w.token); } catch (e) { /* private mode */ }
      state.phase = w.phase;
      setDeadline(w.seconds_left, w.phase);
      show("team");
      renderTeam();
    },
    history(h) {
      state.results = (h.results || []).slice();
      renderAll();
    },
    round_result(r) {
      state.results[r.round || 0] = r;
      if (state.welcome && (r.round || 0) + 1 > (state.welcome.round || 0)) {
        state.welcome.round = (r.round || 0) + 1;
        state.welcome.in_force = (r.decisions || {})[state.welcome.actor] || state.welcome.in_force;
        state.welcome.submitted = "";
      }
      renderAll();
    },
    ack(a) {
      if (a.action) {
        if (state.welcome && (a.round || 0) === (state.welcome.round || 0)) state.welcome.submitted = a.action;
        renderDecisionState();
      } else if (a.command) {
        notice(`Done: ${a.command}` + (a.command === "advance" ? ` (round ${(a.round || 0) + 1} played)` : ""));
      }
    },
    error(e) {
      // A seat released while this device was away answers its reconnection with bad_token.
      const lostSeat = e.code === "bad_token" && !state.teacherToken && state.token && (state.helloPending || !state.welcome);
      state.helloPending = false;
      if (lostSeat || e.code === "released") {
        state.token = "";
        state.welcome = null;
        setStatus("Not in a seat: join with a code");
        try { localStorage.removeItem("reesim.token"); } catch (x) { /* ignore */ }
        show("join");
      }
      const picking = !$("seat-picker").hidden;
      $("seat-picker").hidden = true;
      if (e.code === "seat_taken" && picking) askForSeats(state.pickCode);  // the list again, without that seat (once)
      notice(`${e.message || e.code} (${e.code})`);
    },
    open_seats(o) {
      const seats = o.seats || [];
      const first = $("seat-picker").hidden;
      $("seat-picker").hidden = false;
      // Seats are taken, assigned and released meanwhile: the list is asked for again while it is shown.
      clearTimeout(state.pickTimer);
      state.pickTimer = setTimeout(() => { if (!$("seat-picker").hidden && !state.welcome) askForSeats(state.pickCode); }, 5000);
      $("seat-choices").replaceChildren(...seats.map((seat) => {
        const button = el("button", { type: "button", text: `${seat.actor_name} (${seat.actor})` });
        button.addEventListener("click", () => send({ join: { code: state.pickCode, name: $("join-name").value.trim(), actor: seat.actor } }));
        return button;
      }));
      if (first) $("seat-choices").querySelector("button")?.focus();
    },
    status(s) {
      state.phase = s.phase;
      setDeadline(s.seconds_left, s.phase);
      if (state.welcome) {
        state.welcome.phase = s.phase;
        state.welcome.round = s.round || 0;
        state.welcome.period = s.period;
      }
      renderHeader();
      renderDecisionState();
    },
    // An injected event comes as a broadcast that names it ("Event from 2025Q3: ...").
    broadcast(b) { notice(b.text.startsWith("Event from ") ? b.text : `Message from the teacher: ${b.text}`); },
    teacher_view(v) {
      state.view = v;
      state.phase = v.phase;
      setDeadline(v.seconds_left, v.phase);
      show("teacher");
      renderTeacher();
    },
    debrief(d) {
      if (state.welcome) state.welcome.phase = "ended";
      renderHeader();
      renderDecisionState();
      renderDebrief(d);
    },
    what_if_progress(p) {
      const bar = $("whatif-progress");
      bar.hidden = false;
      bar.max = p.total || 1;
      bar.value = p.done || 0;
      $("whatif-state").textContent = `What-if ${p.id || ""}: ${p.done || 0} of ${p.total || 0} runs`;
    },
    what_if(f) {
      state.fan = f;
      $("whatif-progress").hidden = true;
      renderFan();
    },
  };

  // ------------------------------------------------------------------------------------------------
  // Helpers.

  function show(id) {
    for (const section of ["join", "team", "teacher"]) $(section).hidden = section !== id;
  }
  function setStatus(text) { $("status").textContent = text; }
  let noticeTimer = 0;
  function notice(text) {
    const box = $("notice");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { box.hidden = true; }, 8000);
  }
  // The round timer: counts down while the game runs; while it is paused, what is left stands still.
  function setDeadline(seconds, phase) {
    state.frozenLeft = phase === "paused" ? Math.round(seconds || 0) : 0;
    state.deadline = phase !== "paused" && seconds > 0 ? Date.now() + seconds * 1000 : 0;
  }
  function secondsLeft() {
    if (state.frozenLeft) return state.frozenLeft;
    return state.deadline ? Math.max(0, Math.round((state.deadline - Date.now()) / 1000)) : 0;
  }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }
  function fmt(value, digits) {
    if (value === undefined || value === null || Number.isNaN(value)) return "–";
    const d = digits === undefined ? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 1 : 3) : digits;
    const shown = Math.abs(value) < 0.5 * 10 ** -d ? 0 : Number(value);  // no "-0"
    return shown.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d });
  }
  function plural(n, noun) { return `${n} ${noun}${n === 1 ? "" : "s"}`; }
  function pct(value) { return `${fmt(100 * (value || 0), 1)} %`; }
  function metric(result, key) {
    const value = result && result.metrics ? result.metrics[key] : undefined;
    return value === undefined ? 0 : value;  // flow metrics are written only when positive
  }
  function played() { return state.results.filter(Boolean); }
  function latest() { const all = played(); return all.length ? all[all.length - 1] : null; }

  // options.log: a logarithmic price axis (prices that differ by orders of magnitude); values <= 0 are gaps.
  function lineChart(id, series, options = {}) {
    const box = $(id);
    if (state.charts[id]) { state.charts[id].destroy(); delete state.charts[id]; }
    box.textContent = "";
    const results = played();
    if (!results.length) { box.append(el("p", { class: "hint", text: "Charts appear after the first round." })); return; }
    if (typeof uPlot === "undefined") return;
    const xs = results.map((r) => r.round || 0);
    const periods = Object.fromEntries(results.map((r) => [r.round || 0, r.period]));
    const value = (s, r) => { const v = s.value(r); return options.log && !(v > 0) ? null : v; };
    const data = [xs, ...series.map((s) => results.map((r) => value(s, r)))];
    const chart = {
      width: Math.max(260, box.clientWidth || 300),
      height: 220,
      scales: options.log ? { x: { time: false }, y: { distr: 3 } } : { x: { time: false } },
      axes: [
        { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? periods[t] || "" : "")) },
        { size: 56 },
      ],
      series: [{ label: "round", value: (u, v) => (v === null ? "" : periods[v] || v) }].concat(series.map((s, i) => ({
        label: s.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 6 },
        value: (u, v) => (v === null || v === undefined ? "–" : fmt(v)),
      }))),
    };
    state.charts[id] = new uPlot(chart, data, box);
  }

  function bars(id, rows, options) {
    const box = $(id);
    box.textContent = "";
    const max = Math.max(options.max || 0, ...rows.map((r) => r.value));
    if (!rows.length) { box.append(el("p", { class: "hint", text: options.empty || "Nothing yet." })); return; }
    for (const row of rows) {
      const fill = el("div", { class: "fill" + (options.bad ? " bad" : "") });
      fill.style.width = `${max > 0 ? (100 * row.value) / max : 0}%`;
      box.append(el("span", { text: row.label }), el("div", { class: "track", "aria-hidden": "true" }, fill),
                 el("span", { class: "value", text: options.format(row.value) }));
    }
  }

  function table(id, head, rows) {
    const node = $(id);
    const caption = node.querySelector("caption");
    node.textContent = "";
    if (caption) node.append(caption);
    const thead = el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col", class: h.num ? "num" : "", text: h.text }))));
    const tbody = el("tbody");
    for (const row of rows) {
      tbody.append(el("tr", {}, ...row.map((cell, i) =>
        (cell instanceof Node ? el("td", {}, cell) : el("td", { class: head[i] && head[i].num ? "num" : "", text: String(cell) })))));
    }
    node.append(thead, tbody);
  }

  // ------------------------------------------------------------------------------------------------
  // Rendering.

  function renderAll() {
    if (!$("team").hidden) renderTeam();
    if (!$("teacher").hidden) { renderTeacher(); renderFan(); }
  }

  function renderHeader() {
    const w = state.welcome;
    const left = secondsLeft();
    const timer = left ? ` · ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left` : "";
    if (w) {
      $("team-round").textContent = roundLine(w.round || 0, w.rounds, w.period, w.phase) + timer;
      setStatus(`${w.team} · ${w.actor_name}${timer}`);
      $("submit-button").disabled = w.phase === "ended";
    }
    if (state.view) {
      const v = state.view;
      $("teacher-round").textContent = `${v.scenario} · ${roundLine(v.round || 0, v.rounds, v.period, v.phase)}${timer}`;
      setStatus(`Teacher · ${v.phase}${timer}`);
    }
  }

  // "Round 3 of 8 (2024Q3) · running"; once ended, the rounds played (the open round is past the last).
  function roundLine(round, rounds, period, phase) {
    if (phase === "ended") return `ended after ${round} of ${rounds} rounds`;
    return `Round ${round + 1} of ${rounds} (${period || ""}) · ${phase}`;
  }

  function renderDecisionState() {
    const w = state.welcome;
    if (!w) return;
    const text = w.phase === "ended" ? "The game has ended."
      : w.submitted ? `Submitted: ${w.submitted} for round ${(w.round || 0) + 1} — saved. You can change it until the round is played.`
      : `Not submitted for round ${(w.round || 0) + 1} yet` + (w.in_force ? `: you keep "${w.in_force}" if you submit nothing.` : ".");
    $("decision-state").textContent = text;
  }

  function renderTeam() {
    const w = state.welcome;
    if (!w) return;
    $("team-title").textContent = `${w.actor_name} (${w.actor}) — ${w.team}`;
    $("team-code").textContent = w.code ? `Your seat's code, for your team's other devices: ${w.code}` : "";
    renderHeader();
    const menu = $("menu");
    const chosen = w.submitted || w.in_force || (w.menu[0] && w.menu[0].name);
    if (menu.dataset.actor !== w.actor) {
      menu.dataset.actor = w.actor;
      menu.textContent = "";
      w.menu.forEach((item, i) => {
        const input = el("input", { type: "radio", name: "action", value: item.name, id: `action-${i}` });
        menu.append(el("label", { for: `action-${i}` }, input, el("span", { class: "name", text: item.name }),
                       el("span", { class: "explain", text: item.explanation || "" })));
      });
    }
    if (!menu.dataset.touched) for (const input of menu.querySelectorAll("input")) input.checked = input.value === chosen;
    renderDecisionState();

    const last = latest();
    const a = w.actor;
    const region = (w.regions && w.regions[0]) || a;
    const kpis = $("kpis");
    kpis.textContent = "";
    const items = last ? [
      ["Period", last.period],
      ["Your payoff, USD M", fmt(metric(last, `payoff.${a}`))],
      ["Your strategic stockpile, t", fmt(metric(last, `stockpile.${a}`))],
      [`Import reliance (${region})`, pct(metric(last, `import_reliance.${region}`))],
      ["China's share of separation", pct(metric(last, "share.separation.CHN"))],
      ["NdPr oxide outside China, USD/kg", fmt(metric(last, "price.ndpr_oxide"))],
    ] : [["Results", "after the first round"]];
    for (const [label, value] of items) kpis.append(el("dt", { text: label }), el("dd", { text: value }));

    // Prices.
    const select = $("price-product");
    if (!select.options.length && last) {
      const products = Object.keys(last.metrics).filter((k) => /^price\.[a-z_]+$/.test(k)).map((k) => k.slice(6)).sort();
      for (const p of products) select.append(el("option", { value: p, text: p.replace(/_/g, " ") }));
      if (products.includes("ndpr_oxide")) select.value = "ndpr_oxide";
    }
    const product = select.value || "ndpr_oxide";
    const priceSeries = [
      { label: "outside China", value: (r) => metric(r, `price.${product}`) },
      { label: "inside China", value: (r) => metric(r, `price.${product}.CHN`) },
    ];
    // A region with no market of its own for the product (no demand there) has no price to draw.
    if (region !== "CHN" && last && `price.${product}.${region}` in last.metrics) {
      priceSeries.push({ label: `in ${region}`, value: (r) => metric(r, `price.${product}.${region}`) });
    }
    lineChart("chart-prices", priceSeries);
    lineChart("chart-payoff", [{ label: `payoff ${a}`, value: (r) => metric(r, `payoff.${a}`) }]);
    const prefix = `payoff.${a}.`;
    const components = last ? Object.keys(last.metrics).filter((k) => k.startsWith(prefix)).sort() : [];
    table("payoff-table", [{ text: "component" }, { text: "USD M", num: true }],
          components.map((k) => [k.slice(prefix.length).replace(/_/g, " "), fmt(last.metrics[k])]));

    // Supply by source.
    const stage = $("supply-stage").value;
    const supply = last ? Object.keys(last.metrics).filter((k) => k.startsWith(`output.${stage}.`))
      .map((k) => ({ label: k.split(".")[2], value: last.metrics[k] })).filter((r) => r.value > 0)
      .sort((x, y) => y.value - x.value).slice(0, 8) : [];
    bars("supply", supply, { format: (v) => `${fmt(v, 0)} t`, empty: "After the first round." });

    // Unmet demand.
    const unmet = [];
    if (last) for (const r of w.regions || []) for (const s of SECTORS) {
      const key = `unmet.${r}.${s}`;
      if (key in last.metrics) unmet.push({ label: (w.regions.length > 1 ? `${r} ` : "") + s, value: last.metrics[key] });
    }
    bars("unmet", unmet, { format: pct, max: 1, bad: true,
                           empty: last ? "Your country has no final demand in the model." : "After the first round." });

    // Announced policies.
    const decisions = last ? Object.entries(last.decisions || {}).sort() : [];
    table("others", [{ text: "country" }, { text: "policy" }], decisions.map(([actor, action]) => [actor, action || "—"]));
  }

  function renderTeacher() {
    const v = state.view;
    if (!v) return;
    renderHeader();
    $("join-url").textContent = v.join_url;
    if (state.qrFor !== v.join_url) {  // drawn here, as inline SVG: nothing leaves the page
      state.qrFor = v.join_url;
      const qr = qrcode(0, "M");
      qr.addData(v.join_url);
      qr.make();
      $("join-qr").innerHTML = qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
    }
    if (document.activeElement !== $("timer-seconds")) $("timer-seconds").value = v.round_seconds || 0;
    const events = v.events || [];
    const names = events.map((e) => e.name).join(",");
    if ($("event-name").dataset.names !== names) {  // rebuilt only when the list changes, keeping the choice
      $("event-name").dataset.names = names;
      $("event-name").replaceChildren(...events.map((e) => el("option", { value: e.name, text: e.name.replace(/_/g, " ") })));
    }
    const chosen = events.find((e) => e.name === $("event-name").value);
    $("event-explanation").textContent = chosen ? chosen.explanation : "";
    $("class-code").textContent = v.class_code || "—";
    $("join-how").textContent = v.picking ? "pick a country no team holds (the QR code carries the class code), or enter their seat's code"
                                          : "enter their seat's code";
    $("picking-state").textContent = v.class_code ? (v.picking ? "teams may pick a seat." : "seat picking is off.") : "not in this game.";
    $("picking-toggle").hidden = !v.class_code;
    $("picking-toggle").textContent = v.picking ? "Turn picking off" : "Turn picking on";
    const seatIds = (v.seats || []).map((s) => s.actor).join(",");
    if ($("assign-seat").dataset.ids !== seatIds) {  // rebuilt only when the seats change, keeping the choice
      $("assign-seat").dataset.ids = seatIds;
      $("assign-seat").replaceChildren(...(v.seats || []).map((s) => el("option", { value: s.actor, text: `${s.actor_name} (${s.actor})` })));
    }
    table("seats", [{ text: "country" }, { text: "code" }, { text: "team" }, { text: "online", num: true },
                    { text: "submitted" }, { text: "last policy" }, { text: "seat" }],
          (v.seats || []).map((s) => [
            `${s.actor_name} (${s.actor})`, s.code,
            s.team || (s.assigned ? `${s.assigned} (assigned)` : s.kept ? "none: keeps its last policy" : "model"), s.connected || 0,
            el("span", { class: s.submitted ? "yes" : "no", text: s.submitted ? "✓ yes" : s.team ? "not yet" : "—" }),
            s.in_force || "—",
            s.team || s.assigned ? releaseButton(s) : "—"]));
    lineChart("chart-world", ["ndpr_oxide", "dy_oxide", "tb_oxide", "ndfeb_magnet"].map((p) => ({
      label: p.replace(/_/g, " "), value: (r) => metric(r, `price.${p}`) })));
  }

  function releaseButton(seat) {
    const button = el("button", { type: "button", class: "danger", text: "Release",
                                  "aria-label": `Release ${seat.actor_name} from ${seat.team || seat.assigned}` });
    button.addEventListener("click", () => {
      if (!confirm(`Take ${seat.actor_name} from ${seat.team || seat.assigned}? Its code changes.`)) return;
      send({ teacher: { token: state.teacherToken, command: "release", actor: seat.actor } });
    });
    return button;
  }

  // The what-if's fan: 5-95 % and 25-75 % bands and the median over the remaining rounds, from the
  // class's value in the round before the fork (where every run starts), and the class's actual path.
  function renderFan() {
    const f = state.fan;
    const box = $("chart-whatif");
    if (!f) return;
    const held = (f.held || []).join(", ") || "no team seat";
    $("whatif-state").textContent = `What-if ${f.id}: ${f.metric}${f.unit ? ` (${f.unit})` : ""}, ${f.runs} runs` +
      (f.failures ? ` (${f.failures} failed)` : "") + ` from ${(f.periods || [])[0] || ""}; held: ${held}; ` +
      `${(f.parameters || []).length} uncertain numbers, ${f.sampler}, seed ${f.seed}; ` +
      `the class: ${plural((f.actual_rounds || []).length, "round")} played`;
    if (state.charts["chart-whatif"]) { state.charts["chart-whatif"].destroy(); delete state.charts["chart-whatif"]; }
    box.textContent = "";
    if (typeof uPlot === "undefined") return;
    const from = f.from_round || 0;
    const actual = new Map((f.actual_rounds || []).map((r, i) => [r || 0, f.actual[i]]));
    const fanRounds = (f.rounds || []).map((r) => r || 0);
    const periods = {};
    fanRounds.forEach((r, i) => { periods[r] = f.periods[i]; });
    for (const r of played()) periods[r.round || 0] = r.period;
    const xs = [...new Set([...actual.keys(), ...fanRounds])].sort((a, b) => a - b);
    const bandAt = (name) => (x) => {
      const k = fanRounds.indexOf(x);
      if (k >= 0) return f[name][k];
      return x === from - 1 && actual.has(x) ? actual.get(x) : null;  // the fan opens at the fork
    };
    const names = ["p5", "p25", "p50", "p75", "p95"];
    const data = [xs, ...names.map((n) => xs.map(bandAt(n))), xs.map((x) => (actual.has(x) ? actual.get(x) : null))];
    const light = "rgba(11, 92, 173, 0.15)", dark = "rgba(11, 92, 173, 0.3)";
    const options = {
      width: Math.max(260, box.clientWidth || 300),
      height: 260,
      scales: { x: { time: false } },
      axes: [
        { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? periods[t] || "" : "")) },
        { size: 64 },
      ],
      series: [
        { label: "round", value: (u, v) => (v === null ? "" : periods[v] || v) },
        { label: "5 %", stroke: light, width: 1 },
        { label: "25 %", stroke: dark, width: 1 },
        { label: "median", stroke: COLORS[0], width: 2, dash: [6, 4] },
        { label: "75 %", stroke: dark, width: 1 },
        { label: "95 %", stroke: light, width: 1 },
        { label: "the class", stroke: COLORS[1], width: 2, points: { show: true, size: 7 } },
      ].map((s, i) => (i === 0 ? s : { ...s, value: (u, v) => (v === null || v === undefined ? "–" : fmt(v)) })),
      bands: [{ series: [5, 1], fill: light }, { series: [4, 2], fill: dark }],
    };
    state.charts["chart-whatif"] = new uPlot(options, data, box);
  }

  function renderDebrief(d) {
    const first = $("debrief").hidden;
    $("debrief").hidden = false;
    // The model's scores come from replays the server runs after the game ends: until they arrive (the
    // same debrief again, replays_pending false) their columns say so instead of showing zeros.
    const pending = !!d.replays_pending;
    const failed = d.replays_failed || "";
    const later = (value) => (pending ? "computing…" : failed ? "unavailable" : fmt(value, 0));
    $("debrief-pending").hidden = !pending;
    $("debrief-failed").hidden = !failed;
    $("debrief-failed").textContent = failed ? `The model's scores could not be computed: ${failed}` : "";
    table("leaderboard", [{ text: "#", num: true }, { text: "country" }, { text: "team" }, { text: "payoff", num: true },
                          { text: "model", num: true }, { text: "difference", num: true },
                          { text: "best response here", num: true }, { text: "vs best response", num: true }],
          (d.leaderboard || []).map((e) => [e.rank, `${e.actor_name} (${e.actor})`, e.team || "model",
                                            fmt(e.payoff, 0), later(e.model_payoff), later((e.payoff || 0) - (e.model_payoff || 0)),
                                            later(e.best_response_payoff),
                                            later((e.payoff || 0) - (e.best_response_payoff || 0))]));
    const rounds = d.rounds || [];
    const actors = rounds.length ? Object.keys(rounds[0].decisions || {}).sort() : [];
    table("rounds", [{ text: "period" }, ...actors.map((a) => ({ text: a }))],
          rounds.map((r) => [r.period, ...actors.map((a) => {
            const who = (r.deciders || {})[a];
            return (r.decisions[a] || "—") + (who === "model" ? " (model)" : who === "kept" ? " (kept)" : "");
          })]));
    lineChart("chart-debrief", ["ndpr_oxide", "dy_oxide", "tb_oxide"].map((p) => ({
      label: `${p.replace(/_/g, " ")} outside China`, value: (r) => metric(r, `price.${p}`) }))
      .concat([{ label: "dy oxide inside China", value: (r) => metric(r, "price.dy_oxide.CHN") }]), { log: true });
    if (first) $("debrief-title").scrollIntoView({ block: "start" });
  }

  // ------------------------------------------------------------------------------------------------
  // Inputs.

  // A seat's code joins; the class code answers with the open seats (askForSeats), and a seat picked from
  // them joins with the code the list came from, whatever the code field holds by then.
  function askForSeats(code) {
    state.pickCode = code;
    send({ join: { code } });
  }
  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("seat-picker").hidden = true;
    state.pickCode = $("join-code").value.trim();
    send({ join: { code: state.pickCode, name: $("join-name").value.trim() } });
  });
  $("join-code").addEventListener("input", () => { $("seat-picker").hidden = true; });
  $("menu").addEventListener("change", () => { $("menu").dataset.touched = "1"; });
  $("decide-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const w = state.welcome;
    const checked = $("menu").querySelector("input:checked");
    if (!w || !checked) { notice("Choose a policy first."); return; }
    $("menu").dataset.touched = "";
    send({ submit: { token: state.token, round: w.round || 0, action: checked.value } });
  });
  $("price-product").addEventListener("change", renderTeam);
  $("supply-stage").addEventListener("change", renderTeam);
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => {
      const command = button.dataset.command;
      if (command === "end" && !confirm("End the game now and show the debrief?")) return;
      send({ teacher: { token: state.teacherToken, command } });
    });
  }
  $("timer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send({ teacher: { token: state.teacherToken, command: "timer", seconds: Number($("timer-seconds").value) || 0 } });
  });
  $("whatif-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const runs = Math.max(1, Math.min(1000, Number($("whatif-runs").value) || 64));
    $("whatif-state").textContent = "Starting the ensemble…";
    send({ teacher: { token: state.teacherToken, command: "what_if", what_if: { metric: $("whatif-metric").value, runs } } });
  });
  $("event-name").addEventListener("change", renderTeacher);
  $("event-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!$("event-name").value) return;
    send({ teacher: { token: state.teacherToken, command: "inject", event: $("event-name").value } });
  });
  // A form whose one text field is sent as a teacher command's `text`, then cleared.
  const sendsText = (form, input, command) => $(form).addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $(input).value.trim();
    if (!text) return;
    send({ teacher: { token: state.teacherToken, command, text } });
    $(input).value = "";
  });
  $("assign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("assign-team").value.trim();
    if (!text) return;
    send({ teacher: { token: state.teacherToken, command: "assign", actor: $("assign-seat").value, text } });
    $("assign-team").value = "";
  });
  $("picking-toggle").addEventListener("click", () => {
    send({ teacher: { token: state.teacherToken, command: "picking", text: state.view && state.view.picking ? "off" : "on" } });
  });
  sendsText("event-text-form", "event-text", "inject");
  sendsText("broadcast-form", "broadcast-text", "broadcast");
  for (const button of document.querySelectorAll("[data-download]")) {
    button.addEventListener("click", async () => {
      const response = await fetch(button.dataset.download, { headers: { Authorization: `Bearer ${state.teacherToken}` } });
      if (!response.ok) { notice(`Download failed (${response.status})`); return; }
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: button.dataset.name });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    });
  }
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderAll, 200);
  });
  setInterval(() => { if (state.deadline) renderHeader(); }, 1000);

  if (state.teacherToken) history.replaceState(null, "", location.pathname + location.search + "#teacher");
  connect();
})();
