(function () {
  "use strict";
  // The ranking table of index.html (engine/render/dashboard.py). The first page is in the HTML;
  // every view the reader asks for (another page, one problem's reports, another order) is rendered
  // here from the rows' data: the first page's in #ranking-meta, the others' in index-data/*.js,
  // loaded with <script src> (fetch() is refused on file://). Text goes in with textContent only.
  var table = document.getElementById("ranking");
  var metaNode = document.getElementById("ranking-meta");
  if (!table || !metaNode) { return; }
  var meta = JSON.parse(metaNode.textContent);
  // Row.data() fields
  var F = { rank: 0, agency: 1, year: 2, score: 3, change: 4, prev: 5, grade: 6, error: 7, warning: 8,
            info: 9, manual: 10, na: 11, problems: 12, letter: 13, refno: 14, file: 15, source: 16,
            rules: 17, note: 18 };
  // the field each header column sorts by (null: not sortable)
  var SORT = [F.rank, F.agency, F.year, F.score, F.change, F.grade, F.error, F.warning, F.info,
              F.manual, F.na, null, null, F.file];
  var pages = { 1: meta.first };
  var state = { rule: null, ruleTitle: "", col: null, dir: null, page: 1 };
  var collator = new Intl.Collator("zh-CN");
  var heads = table.tHead.rows[0].cells;
  var note = document.getElementById("filter-note");
  var pager = document.getElementById("pager");
  var pagerText = document.getElementById("pager-text");
  var prev = document.getElementById("pager-prev");
  var next = document.getElementById("pager-next");

  window.xxgkDashboard = { page: function (n, rows) { pages[n] = rows; } };

  function pad(n) { var s = String(n); while (s.length < 5) { s = "0" + s; } return s; }

  function load(n, done) {
    if (pages[n]) { done(); return; }
    var script = document.createElement("script");
    script.src = meta.data + "rows-" + pad(n) + ".js";
    script.onload = done;
    script.onerror = function () { pagerText.textContent = "无法读取数据文件 " + script.src + "（请保持 index.html 与 " + meta.data + " 文件夹在一起）"; };
    document.head.appendChild(script);
  }

  function loadAll(done) {
    var n = 1;
    (function step() {
      while (n <= meta.pages && pages[n]) { n += 1; }
      if (n > meta.pages) { done(); return; }
      pagerText.textContent = "正在载入第 " + n + " / " + meta.pages + " 页的数据……";
      load(n, step);
    }());
  }

  function allRows() {
    var out = [];
    for (var n = 1; n <= meta.pages; n += 1) { out = out.concat(pages[n]); }
    return out;
  }

  function td(tr, text, cls, v, title) {
    var cell = document.createElement("td");
    if (cls) { cell.className = cls; }
    if (v !== undefined && v !== null) { cell.setAttribute("data-v", String(v)); }
    if (title) { cell.title = title; }
    cell.textContent = text;
    tr.appendChild(cell);
    return cell;
  }

  function baseName(path) { var parts = String(path).split(/[\\/]/); return parts[parts.length - 1]; }

  function rowElement(d) {
    var tr = document.createElement("tr");
    td(tr, String(d[F.rank]), "num", d[F.rank]);
    var agency = td(tr, d[F.agency]);
    if (d[F.note]) {
      agency.appendChild(document.createTextNode(" "));
      var flag = document.createElement("span");
      flag.className = "flag";
      flag.title = d[F.note];
      flag.textContent = "（参考引擎）";
      agency.appendChild(flag);
    }
    td(tr, d[F.year] === null ? "—" : String(d[F.year]), "num", d[F.year] === null ? -1 : d[F.year]);
    td(tr, String(d[F.score]), "num", d[F.score]);
    if (d[F.change] !== null) {
      td(tr, (d[F.change] > 0 ? "+" : "") + String(d[F.change]), "num change", d[F.change], "上年报告：" + baseName(d[F.prev]));
    } else {
      td(tr, "—", "num change", -1000, d[F.prev] ? "上年报告未在本次审核：" + baseName(d[F.prev]) : "本次没有该单位上一年度的报告");
    }
    td(tr, d[F.grade], "g-" + d[F.grade]);
    td(tr, String(d[F.error]), "num err", d[F.error]);
    td(tr, String(d[F.warning]), "num warn", d[F.warning]);
    td(tr, String(d[F.info]), "num", d[F.info]);
    td(tr, String(d[F.manual]), "num manual", d[F.manual]);
    td(tr, String(d[F.na]), "num", d[F.na]);
    td(tr, d[F.problems], "problems");
    var letter = td(tr, "");
    if (d[F.letter]) {
      var a = document.createElement("a");
      a.setAttribute("href", d[F.letter]);
      a.textContent = d[F.refno] || "意见书";
      letter.appendChild(a);
    }
    td(tr, d[F.file], "src", null, d[F.source]);
    return tr;
  }

  function sortKey(d, field) {
    var v = d[field];
    if (field === F.year && v === null) { return -1; }
    if (field === F.change && v === null) { return -1000; }
    return v;
  }

  function view() {
    var rows;
    if (state.rule === null && state.col === null) {
      rows = pages[state.page];
      return { rows: rows, pages: meta.pages, total: meta.rows };
    }
    rows = allRows();
    if (state.rule !== null) {
      rows = rows.filter(function (d) { return d[F.rules].indexOf(state.rule) >= 0; });
    }
    if (state.col !== null) {
      var field = SORT[state.col];
      var type = heads[state.col].getAttribute("data-type");
      var sign = state.dir === "ascending" ? 1 : -1;
      rows = rows.slice().sort(function (a, b) {
        var x = sortKey(a, field), y = sortKey(b, field);
        var c = type === "num" ? (Number(x) || 0) - (Number(y) || 0) : collator.compare(String(x), String(y));
        return c !== 0 ? sign * c : a[F.rank] - b[F.rank];
      });
    }
    var count = Math.max(1, Math.ceil(rows.length / meta.page_rows));
    var start = (state.page - 1) * meta.page_rows;
    return { rows: rows.slice(start, start + meta.page_rows), pages: count, total: rows.length };
  }

  function update() {
    var whole = state.rule !== null || state.col !== null;
    if (whole && Object.keys(pages).length < meta.pages) { loadAll(update); return; }
    if (!whole && !pages[state.page]) { load(state.page, update); return; }
    var v = view();
    if (state.page > v.pages) { state.page = v.pages; v = view(); }
    var body = document.createElement("tbody");
    v.rows.forEach(function (d) { body.appendChild(rowElement(d)); });
    table.replaceChild(body, table.tBodies[0]);
    pager.hidden = v.pages < 2;
    pagerText.textContent = "第 " + state.page + " / " + v.pages + " 页（每页 " + meta.page_rows + " 份，共 " + v.total + " 份）";
    prev.disabled = state.page <= 1;
    next.disabled = state.page >= v.pages;
    note.hidden = state.rule === null;
    if (state.rule !== null) {
      document.getElementById("filter-text").textContent = "只显示有“" + state.ruleTitle + "”问题的报告：共 " + v.total + " 份。";
    }
  }

  Array.prototype.forEach.call(heads, function (th, i) {
    if (!th.classList.contains("sortable")) { return; }
    th.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      state.col = i;
      state.dir = dir;
      state.page = 1;
      update();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("button.problem"), function (button) {
    button.addEventListener("click", function () {
      state.rule = button.getAttribute("data-rule");
      state.ruleTitle = button.textContent;
      state.page = 1;
      update();
      table.scrollIntoView();
    });
  });
  document.getElementById("filter-clear").addEventListener("click", function () {
    state.rule = null;
    state.page = 1;
    update();
  });
  prev.addEventListener("click", function () { if (state.page > 1) { state.page -= 1; update(); } });
  next.addEventListener("click", function () { state.page += 1; update(); });
}());
