// The cursor: over the chart, a vertical line and a panel with the cluster's
// state, the faults in force and every node's view at that moment.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var svg = document.getElementById("chart");
  var cursor = document.getElementById("cursor");
  var readout = document.getElementById("readout");

  // The last entry of `list` (sorted by its first element) at or before t.
  function at(list, t) {
    var found = null;
    for (var i = 0; i < list.length && list[i][0] <= t; i++) found = list[i];
    return found;
  }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function show(t) {
    readout.textContent = "";
    var h = document.createElement("h3");
    h.textContent = "at " + t.toFixed(2) + " s";
    readout.appendChild(h);
    var span = at(data.cluster, t);
    var state = document.createElement("p");
    state.className = "state";
    state.textContent = span && t <= span[1] ? "cluster " + span[2] + ": " + span[3] : "cluster not observed yet";
    readout.appendChild(state);
    var faults = data.faults.filter(function (f) { return f[0] <= t && t <= f[1]; });
    if (faults.length) {
      var p = document.createElement("p");
      p.className = "state";
      p.textContent = "faults: " + faults.map(function (f) { return f[2] + " (" + f[3] + ")"; }).join(", ");
      readout.appendChild(p);
    }
    var table = document.createElement("table");
    data.lanes.forEach(function (lane) {
      var row = document.createElement("tr");
      var view = at(lane.views, t);
      var paused = lane.pauses.some(function (p) { return p[0] <= t && t <= p[1]; });
      cell(row, lane.name + (paused ? " (paused)" : ""));
      if (!view) cell(row, "not observed yet", "down");
      else if (view[2] === "view") cell(row, view[1]);
      else if (view[2] === "down") cell(row, "down", "down");
      else cell(row, "does not answer: " + view[1], "error");
      table.appendChild(row);
    });
    readout.appendChild(table);
    readout.hidden = false;
  }

  function move(event) {
    var ctm = svg.getScreenCTM();
    if (!ctm) return;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(ctm.inverse());
    if (p.x < data.left || p.x > data.left + data.width) return leave();
    var t = ((p.x - data.left) / data.width) * data.end;
    cursor.setAttribute("x1", p.x);
    cursor.setAttribute("x2", p.x);
    cursor.setAttribute("visibility", "visible");
    show(t);
  }

  function leave() {
    cursor.setAttribute("visibility", "hidden");
    readout.hidden = true;
  }

  svg.addEventListener("mousemove", move);
  svg.addEventListener("mouseleave", leave);
  document.documentElement.setAttribute("data-timeline", "ready");
})();
