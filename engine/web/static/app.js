// xxgk-audit web app: small vanilla script, no build step, vendored (served from /static).
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// ---- upload: drag and drop files, folders or zips; or pick files / a folder -------------------
function setupUpload() {
  const zone = document.getElementById("dropzone");
  const form = document.getElementById("upload-form");
  if (!zone || !form) return;
  const status = document.getElementById("upload-status");
  const send = (files) => {
    if (!files.length) return;
    const data = new FormData();
    for (const f of files) data.append("files", f.file, f.path);
    data.append("title", form.querySelector('input[name="title"]').value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/batches");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) status.textContent = `正在上传 ${files.length} 个文件：${Math.round(e.loaded * 100 / e.total)}%`;
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status === 201) { window.location.href = `/batches/${body.id}`; return; }
      status.textContent = body.error || `上传失败（${xhr.status}）`;
      status.className = "error";
    };
    xhr.onerror = () => { status.textContent = "上传失败：无法连接服务器。"; status.className = "error"; };
    status.textContent = `正在上传 ${files.length} 个文件……`;
    status.className = "muted";
    xhr.send(data);
  };
  const fromInput = (input) => Array.from(input.files).map((f) => ({ file: f, path: f.webkitRelativePath || f.name }));
  document.getElementById("file-input").addEventListener("change", (e) => send(fromInput(e.target)));
  document.getElementById("folder-input").addEventListener("change", (e) => send(fromInput(e.target)));
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const entries = Array.from(e.dataTransfer.items || []).map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    if (entries.length) send(await collectEntries(entries));
    else send(Array.from(e.dataTransfer.files).map((f) => ({ file: f, path: f.name })));
  });
}

async function collectEntries(entries, prefix = "") {
  const out = [];
  for (const entry of entries) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ file, path: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      let batch;
      do {
        batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        out.push(...await collectEntries(batch, `${prefix}${entry.name}/`));
      } while (batch.length);
    }
  }
  return out;
}

// ---- progress: poll the batch while it is queued or running, reload when it is done -----------
function setupProgress() {
  const box = document.getElementById("progress");
  if (!box || !["queued", "running"].includes(box.dataset.status)) return;
  const poll = async () => {
    try {
      const res = await fetch(`/api/batches/${box.dataset.batch}`, { credentials: "same-origin" });
      const body = await res.json();
      const bar = document.getElementById("batch-progress");
      if (bar) { bar.max = body.progress.total || 1; bar.value = body.progress.done; }
      const count = document.getElementById("batch-count");
      if (count) count.textContent = `${body.progress.done} / ${body.progress.total}`;
      const phase = document.getElementById("batch-phase");
      if (phase) phase.textContent = body.progress.phase;
      const label = document.getElementById("batch-status");
      if (label) label.textContent = body.status_label;
      if (!["queued", "running"].includes(body.status)) {
        window.location.replace(window.location.pathname);
        return;
      }
    } catch (_) { /* try again */ }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
}

// ---- tables: click a header to sort the rows shown (the batch page's filters and pages are the server's) ----
function setupTables() {
  for (const table of document.querySelectorAll("table.sortable")) {
    table.querySelectorAll("th").forEach((th, col) => th.addEventListener("click", () => {
      const body = table.tBodies[0];
      const asc = th.dataset.dir !== "asc";
      th.dataset.dir = asc ? "asc" : "desc";
      const key = (tr) => tr.cells[col].textContent.trim();
      const rows = Array.from(body.rows).sort((a, b) => {
        const x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
        const c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, "zh-CN");
        return asc ? c : -c;
      });
      rows.forEach((r) => body.appendChild(r));
    }));
  }
}

document.addEventListener("DOMContentLoaded", () => { setupUpload(); setupProgress(); setupTables(); });
