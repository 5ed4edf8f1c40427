// zerodistrict web page: plain JavaScript on the JSON API (/api); no framework, nothing from another site.
"use strict";

const state = {
  lang: localStorage.getItem("zd-lang") || "en",
  words: {},
  meta: null,
  scenario: null,     // the scenario being edited (a mapping, as GET /api/presets/NAME gives it)
  base: null,         // its name before editing
  validateTimer: null,
  poll: null,
  runId: null,
};

// ------------------------------------------------------------------ helpers

function t(key, values) {
  let text = state.words[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.replace(`{${name}}`, value);
  return text;
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({credentials: "same-origin"}, options || {}));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return {ok: response.ok, status: response.status, body};
}

function postJson(path, data) {
  return api(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(data)});
}

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children || []) node.append(child);
  return node;
}

function errorList(errors) {
  return (errors || []).map(e => (e.field ? `${e.field}: ` : "") + e.message).join("\n");
}

function translatePage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.title = t("web.title");
}

async function setLanguage(lang) {
  const words = await api(`/api/i18n/${lang}`);
  if (!words.ok) return;
  state.lang = lang;
  state.words = words.body;
  localStorage.setItem("zd-lang", lang);
  document.getElementById("lang").value = lang;
  translatePage();
  route();
}

// ------------------------------------------------------------------ design form

function fillSelect(select, values, current) {
  select.replaceChildren(...values.map(v => el("option", {value: v, text: v})));
  if (current !== undefined && current !== null) {
    if (!values.includes(current)) select.append(el("option", {value: current, text: current}));
    select.value = current;
  }
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The name of the tariff's export scheme ("" for a scheme of its own). */
function exportName(tariff) {
  const scheme = tariff.export;
  if (scheme === undefined || scheme === null) return "none";
  if (typeof scheme === "string") return scheme;
  const wanted = canonical(scheme);
  const found = Object.entries(state.meta.export_scheme_fields).find(([, fields]) => canonical(fields) === wanted);
  return found ? found[0] : "";
}

function renderForm() {
  const sc = state.scenario;
  document.getElementById("scenario-about").textContent = `${sc.site.name} — ${sc.description || ""}`;
  const body = document.querySelector("#groups tbody");
  body.replaceChildren();
  sc.homes.forEach((group, i) => {
    const cell = (path, value, enabled, step) => {
      const input = el("input", {type: "number", min: "0", step: step, "data-path": path, id: `f-${path}`});
      if (value !== undefined && value !== null) input.value = value;
      input.disabled = !enabled;
      input.addEventListener("input", formChanged);
      return el("td", {"data-path": path}, [input, el("div", {class: "field-error"})]);
    };
    body.append(el("tr", {}, [
      el("td", {text: group.group}),
      cell(`homes[${i}].count`, group.count, true, "1"),
      cell(`homes[${i}].pv.kwp`, group.pv ? group.pv.kwp : 0, true, "any"),
      cell(`homes[${i}].battery.capacity_kwh`, group.battery ? group.battery.capacity_kwh : null, !!group.battery, "any"),
    ]));
  });
  const community = sc.community || {};
  const battery = (community.batteries || [])[0];
  const batteryInput = document.getElementById("community-battery");
  batteryInput.value = battery ? battery.capacity_kwh : 0;
  const evs = (community.evs || [])[0];
  const evInput = document.getElementById("evs");
  evInput.value = evs ? evs.count : 0;
  evInput.disabled = !evs;
  document.getElementById("sharing").checked = community.sharing !== false;
  const grid = sc.grid || {};
  const tariff = grid.tariff || {};
  fillSelect(document.getElementById("tariff"), state.meta.tariffs, tariff.name || tariff.preset);
  const exportSelect = document.getElementById("export");
  fillSelect(exportSelect, state.meta.export_schemes);
  const currentExport = exportName(tariff);
  if (!currentExport) exportSelect.append(el("option", {value: "", text: "—"}));
  exportSelect.value = currentExport;
  document.getElementById("export-allowed").checked = grid.export_allowed !== false;
  document.getElementById("days").value = (sc.period && sc.period.days) || "";
  document.getElementById("sizing-box").hidden = !sc.sizing;  // only a scenario with a sizing block can be sized
  showErrors([]);
  document.getElementById("form-status").textContent = "";
}

function number(id) {
  const value = document.getElementById(id).value;
  return value === "" ? null : Number(value);
}

/** The scenario with the form's values written into it. */
function scenarioFromForm() {
  const sc = JSON.parse(JSON.stringify(state.scenario));
  sc.homes.forEach((group, i) => {
    const read = path => { const v = document.getElementById(`f-${path}`).value; return v === "" ? null : Number(v); };
    group.count = read(`homes[${i}].count`);
    const kwp = read(`homes[${i}].pv.kwp`);
    if (group.pv) group.pv.kwp = kwp; else if (kwp) group.pv = {kwp: kwp};
    if (group.battery) group.battery.capacity_kwh = read(`homes[${i}].battery.capacity_kwh`);
  });
  sc.community = sc.community || {};
  const batteryKwh = number("community-battery");
  const batteries = sc.community.batteries || [];
  if (batteries.length) batteries[0].capacity_kwh = batteryKwh;
  else if (batteryKwh) batteries.push({name: "central", capacity_kwh: batteryKwh, power_kw: batteryKwh / 2});
  sc.community.batteries = batteries;
  if ((sc.community.evs || []).length) sc.community.evs[0].count = number("evs");
  sc.community.sharing = document.getElementById("sharing").checked;
  sc.grid = sc.grid || {};
  const tariffName = document.getElementById("tariff").value;
  const chosenExport = document.getElementById("export").value;
  const tariff = sc.grid.tariff || {};
  const scheme = chosenExport && chosenExport !== exportName(tariff) ? chosenExport : tariff.export;
  if (tariffName !== (tariff.name || tariff.preset)) {
    sc.grid.tariff = scheme === undefined ? {preset: tariffName} : {preset: tariffName, export: scheme};
  } else if (scheme !== tariff.export) {
    tariff.export = scheme;
    sc.grid.tariff = tariff;
  }
  sc.grid.export_allowed = document.getElementById("export-allowed").checked;
  const days = number("days");
  sc.period = sc.period || {};
  if (days) {
    sc.period.days = days;
    if (!sc.period.start) sc.period.start = `${sc.period.year || 2025}-01-01`;
  } else {
    delete sc.period.days;
  }
  const epw = document.getElementById("epw-file").dataset.upload;
  if (epw) sc.weather = {source: "epw", path: epw};
  return sc;
}

const HOLDERS = "#design-form td[data-path], #design-form label[data-path]";

function showErrors(errors) {
  for (const node of document.querySelectorAll(HOLDERS)) node.classList.remove("invalid");
  for (const node of document.querySelectorAll("#design-form .field-error")) node.textContent = "";
  const general = [];
  for (const error of errors) {
    const holder = [...document.querySelectorAll(HOLDERS)]
      .filter(n => error.field && (error.field === n.dataset.path || error.field.startsWith(n.dataset.path + ".")
                                   || error.field.startsWith(n.dataset.path + "[")))
      .sort((a, b) => b.dataset.path.length - a.dataset.path.length)[0];
    if (holder) {
      holder.classList.add("invalid");
      let slot = holder.querySelector(".field-error");
      if (!slot) { slot = el("div", {class: "field-error"}); holder.append(slot); }
      slot.textContent = error.message;
    } else {
      general.push(error);
    }
  }
  document.getElementById("form-errors").textContent = errorList(general);
  document.getElementById("run").disabled = errors.length > 0;
  document.getElementById("size").disabled = errors.length > 0;
}

function formChanged() {
  clearTimeout(state.validateTimer);
  document.getElementById("form-status").textContent = t("web.checking");
  document.getElementById("form-status").dataset.state = "checking";
  state.validateTimer = setTimeout(validateForm, 300);
}

async function validateForm() {
  const result = await postJson("/api/validate?inline=true", scenarioFromForm());
  const status = document.getElementById("form-status");
  const valid = result.ok && result.body.ok;
  status.dataset.state = valid ? "valid" : "invalid";
  if (valid) {
    showErrors([]);
    status.textContent = t("web.valid");
  } else {
    showErrors(result.body.errors || [{field: "", message: String(result.status)}]);
    status.textContent = "";
  }
  return valid;
}

async function loadPreset(name) {
  const result = await api(`/api/presets/${encodeURIComponent(name)}`);
  if (!result.ok) return;
  state.scenario = result.body;
  state.base = name;
  renderForm();
}

async function loadYaml(file) {
  const text = await file.text();
  const result = await api("/api/validate?inline=true", {method: "POST", headers: {"Content-Type": "application/yaml"}, body: text});
  if (!result.ok || !result.body.ok) {
    showErrors(result.body.errors || []);
    return;
  }
  state.scenario = result.body.scenario;  // the mapping the server read from the YAML
  state.base = state.scenario.name;
  renderForm();
}

async function uploadEpw(input) {
  const file = input.files[0];
  delete input.dataset.upload;
  if (!file) return formChanged();
  const form = new FormData();
  form.append("file", file);
  const result = await api("/api/files", {method: "POST", body: form});
  if (result.ok) input.dataset.upload = result.body.name;
  else document.getElementById("form-errors").textContent = errorList(result.body.errors);
  formChanged();
}

async function submitRun(event) {
  event.preventDefault();
  if (!(await validateForm())) return;
  const dispatch = document.getElementById("dispatch").value;
  const result = await postJson("/api/runs", {scenario: scenarioFromForm(), dispatch: dispatch});
  if (!result.ok) {
    showErrors(result.body.errors || []);
    return;
  }
  location.hash = `#/runs/${result.body.id}`;
}

/** A sizing of the scenario in the form (its ``sizing`` block), for the targets given. */
async function submitSize() {
  if (!(await validateForm())) return;
  const targets = document.getElementById("targets").value.split(",").map(x => x.trim()).filter(x => x);
  const request = {kind: "size", scenario: scenarioFromForm(), targets: targets};
  const days = number("typical-days");
  if (days !== null) request.typical_days = days;
  const horizon = document.getElementById("resimulate").value;
  if (horizon) request.resimulate_horizon_hours = Number(horizon);
  const result = await postJson("/api/runs", request);
  if (!result.ok) {
    showErrors(result.body.errors || []);
    return;
  }
  location.hash = `#/runs/${result.body.id}`;
}

/** The chosen sizes and the targets of a finished sizing, as tables (sizing.json's words). */
function sizingTables(data) {
  const head = keys => el("thead", {}, [el("tr", {}, keys.map(k => el("th", {text: t(k)})))]);
  const rows = [];
  for (const part of ["homes", "community", "line", "evs"]) {
    for (const [name, items] of Object.entries((data.sizes || {})[part] || {})) {
      for (const [key, d] of Object.entries(items)) {
        rows.push(el("tr", {}, [el("td", {text: name}), el("td", {text: t(`sizing.size.${key}`)}),
          el("td", {class: "num", text: Number(d.value).toLocaleString(state.lang, {maximumFractionDigits: 2})}),
          el("td", {text: d.unit})]));
      }
    }
  }
  const sizes = el("table", {class: "compare", id: "sizing-table"},
    [head(["sizing.col.part", "sizing.col.size", "sizing.col.value", "sizing.col.unit"]), el("tbody", {}, rows)]);
  const targets = (data.targets || []).map(r => el("tr", {}, [el("td", {text: r.target}),
    el("td", {class: "num", text: r.full_year_value === null || r.full_year_value === undefined ? "—" : Number(r.full_year_value).toPrecision(4)}),
    el("td", {text: r.holds === true ? t("sizing.target.met") : r.holds === false ? t("sizing.target.missed") : "—"})]));
  const out = [el("h3", {text: t("sizing.sizes")}), sizes];
  if (targets.length) {
    out.push(el("h3", {text: t("sizing.targets")}), el("table", {class: "compare", id: "sizing-targets"},
      [head(["sizing.col.target", "sizing.col.year", "sizing.col.holds"]), el("tbody", {}, targets)]));
  }
  return out;
}

// ------------------------------------------------------------------ one run

function stopPolling() {
  if (state.poll) clearTimeout(state.poll);
  state.poll = null;
}

async function showRun(id) {
  stopPolling();
  state.runId = id;
  document.getElementById("run-result").hidden = true;
  document.getElementById("run-error").textContent = "";
  document.getElementById("share-link").href = `${location.origin}${location.pathname}#/runs/${id}`;
  await pollRun(id);
}

async function pollRun(id) {
  if (state.runId !== id) return;
  const result = await api(`/api/runs/${id}`);
  if (!result.ok) {
    document.getElementById("run-error").textContent = errorList(result.body.errors);
    return;
  }
  const job = result.body;
  document.getElementById("run-title").textContent = job.name;
  document.getElementById("run-status").textContent = t(`web.status_${job.status}`);
  document.getElementById("run-status").dataset.status = job.status;
  document.getElementById("progress-bar").style.width = `${Math.round(100 * job.progress.fraction)}%`;
  document.getElementById("run-stage").textContent = job.status === "running" ? job.progress.stage : "";
  const live = job.status === "queued" || job.status === "running";
  document.getElementById("cancel").hidden = !live;
  if (live) {
    state.poll = setTimeout(() => pollRun(id), 500);
    return;
  }
  if (job.status === "done") await showResult(job);
  else document.getElementById("run-error").textContent = job.error || "";
}

function drawChart(id, figure) {
  const node = document.getElementById(id);
  const heading = node.previousElementSibling;
  if (!figure) {
    node.hidden = true;
    heading.hidden = true;
    return;
  }
  node.hidden = false;
  heading.hidden = false;
  const layout = Object.assign({}, figure.layout, {autosize: true});
  Plotly.react(node, figure.data, layout, {displaylogo: false, responsive: true});
}

async function showResult(job) {
  const lang = state.lang;
  document.getElementById("run-result").hidden = false;  // shown first: the charts take the width they find
  document.getElementById("report-link").href = `/api/runs/${job.id}/report?lang=${lang}`;
  const downloads = document.getElementById("downloads");
  const cards = document.getElementById("cards");
  const comparison = document.getElementById("comparison");
  if (job.kind === "compare") {
    const table = await api(`/api/runs/${job.id}/comparison?lang=${lang}`);
    cards.replaceChildren();
    comparison.replaceChildren(compareTable(table.body));
    for (const id of ["chart-monthly", "chart-typical", "chart-survival"]) drawChart(id, null);
    downloads.replaceChildren(el("a", {href: `/api/runs/${job.id}/comparison?format=csv`, text: "compare.csv"}));
  } else if (job.kind === "sweep" || job.kind === "size") {
    cards.replaceChildren();
    comparison.replaceChildren();
    for (const id of ["chart-monthly", "chart-typical", "chart-survival"]) drawChart(id, null);
    // a sizing: its sizes and targets, its report (the report link above) and its files; a sweep: its designs
    // are in the store
    if (job.kind === "size") {
      const sizing = await api(`/api/runs/${job.id}/sizing`);
      if (sizing.ok) comparison.replaceChildren(...sizingTables(sizing.body));
    }
    downloads.replaceChildren(...(job.kind === "size" ? [["sizing", "sizing.json"], ["sized.yaml", "sized.yaml"]] : [])
      .flatMap(([path, text]) => [el("a", {href: `/api/runs/${job.id}/${path}`, text}), " "]));
  } else {
    const view = await api(`/api/runs/${job.id}/view?lang=${lang}`);
    if (!view.ok) return;
    cards.innerHTML = view.body.cards;  // HTML made by the report's own (escaping) code on the server
    comparison.replaceChildren();
    drawChart("chart-monthly", view.body.figures.monthly);
    drawChart("chart-typical", view.body.figures.typical_days);
    drawChart("chart-survival", view.body.figures.survival);
    const links = [["kpis", "json"], ["kpis", "csv"], ["timeseries", "csv"], ["homes", "csv"]].map(([name, format]) =>
      el("a", {href: `/api/runs/${job.id}/${name}?format=${format}`, text: `${name}.${format}`}));
    downloads.replaceChildren(...links.flatMap(a => [a, " "]));
  }
  document.getElementById("run-result").hidden = false;
}

function compareTable(view) {
  const head = el("tr", {}, [...view.head, ...view.columns].map(text => el("th", {text})));
  const rows = view.rows.map(row => el("tr", {}, [el("th", {text: row.label}), el("td", {class: "unit", text: row.unit}),
    ...row.cells.map(c => el("td", {class: "num", text: c}))]));
  return el("table", {class: "compare", id: "compare-table"}, [el("thead", {}, [head]), el("tbody", {}, rows)]);
}

async function cancelRun() {
  if (!state.runId) return;
  await api(`/api/runs/${state.runId}`, {method: "DELETE"});
  pollRun(state.runId);
}

// ------------------------------------------------------------------ runs list

async function showRuns() {
  stopPolling();
  const result = await api("/api/runs?limit=100");
  const body = document.querySelector("#runs-table tbody");
  if (!result.ok) {
    document.getElementById("runs-error").textContent = errorList(result.body.errors);
    return;
  }
  const percent = new Intl.NumberFormat(state.lang, {style: "percent", maximumFractionDigits: 0});
  body.replaceChildren(...result.body.map(job => {
    const box = el("input", {type: "checkbox", value: job.id, "aria-label": job.name});
    box.disabled = !(job.status === "done" && (job.kind === "run" || job.kind === "resilience"));
    box.addEventListener("change", updateCompareButton);
    const ratio = job.kpis && job.kpis.self_sufficiency_ratio;
    return el("tr", {"data-id": job.id}, [
      el("td", {}, [box]),
      el("td", {}, [el("a", {href: `#/runs/${job.id}`, text: job.name})]),
      el("td", {text: job.kind}),
      el("td", {text: t(`web.status_${job.status}`)}),
      el("td", {class: "num", text: typeof ratio === "number" ? percent.format(ratio) : ""}),
      el("td", {text: (job.created_at || "").slice(0, 19).replace("T", " ")}),
    ]);
  }));
  if (!result.body.length) body.append(el("tr", {}, [el("td", {colspan: "6", text: t("web.no_runs")})]));
  updateCompareButton();
}

function selectedRuns() {
  return [...document.querySelectorAll("#runs-table tbody input:checked")].map(box => box.value);
}

function updateCompareButton() {
  document.getElementById("compare").disabled = selectedRuns().length < 2;
}

async function compareSelected() {
  const result = await postJson("/api/runs", {kind: "compare", runs: selectedRuns()});
  if (!result.ok) {
    document.getElementById("runs-error").textContent = errorList(result.body.errors);
    return;
  }
  location.hash = `#/runs/${result.body.id}`;
}

// ------------------------------------------------------------------ routing

function route() {
  const hash = location.hash || "#/";
  const run = hash.match(/^#\/runs\/([0-9a-f]{32})$/);
  const view = run ? "run" : hash.startsWith("#/runs") ? "runs" : "design";
  for (const name of ["design", "run", "runs"]) document.getElementById(`view-${name}`).hidden = name !== view;
  document.getElementById("nav-design").classList.toggle("active", view === "design");
  document.getElementById("nav-runs").classList.toggle("active", view !== "design");
  if (view === "run") showRun(run[1]);
  else if (view === "runs") showRuns();
  else stopPolling();
}

async function start() {
  const [words, meta, presets] = await Promise.all([api(`/api/i18n/${state.lang}`), api("/api/meta"), api("/api/presets")]);
  if (!words.ok) state.lang = "en";
  state.words = words.ok ? words.body : (await api("/api/i18n/en")).body;
  state.meta = meta.body;
  const select = document.getElementById("preset");
  select.replaceChildren(...presets.body.map(p => el("option", {value: p.name, text: `${p.name} (${p.homes})`})));
  select.addEventListener("change", () => loadPreset(select.value));
  document.getElementById("lang").value = state.lang;
  document.getElementById("lang").addEventListener("change", e => setLanguage(e.target.value));
  document.getElementById("design-form").addEventListener("submit", submitRun);
  document.getElementById("size").addEventListener("click", submitSize);
  // a refused sizing's errors go when its fields change (the scenario is checked again)
  for (const id of ["targets", "typical-days"]) document.getElementById(id).addEventListener("input", formChanged);
  document.getElementById("resimulate").addEventListener("change", formChanged);
  for (const id of ["community-battery", "evs", "days"]) document.getElementById(id).addEventListener("input", formChanged);
  for (const id of ["sharing", "tariff", "export", "export-allowed", "dispatch"]) document.getElementById(id).addEventListener("change", formChanged);
  document.getElementById("yaml-file").addEventListener("change", e => e.target.files[0] && loadYaml(e.target.files[0]));
  document.getElementById("epw-file").addEventListener("change", e => uploadEpw(e.target));
  document.getElementById("cancel").addEventListener("click", cancelRun);
  document.getElementById("compare").addEventListener("click", compareSelected);
  window.addEventListener("hashchange", route);
  translatePage();
  await loadPreset(presets.body[0].name);
  route();
}

start();
