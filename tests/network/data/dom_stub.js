// A minimal DOM for running the HTML view's inline script under node: it records the SVG
// elements the script creates and the listeners it registers, then fires a click on the
// first party and the first link and prints what the details panel shows, as JSON.
"use strict";
const fs = require("fs");
const page = fs.readFileSync(process.argv[2], "utf8");
const data = page.match(/<script type="application\/json" id="graph-data">([\s\S]*?)<\/script>/)[1];
const code = page.match(/<script>\n([\s\S]*?)<\/script>/)[1];
function element(tag) {
  return {
    tag, attrs: {}, children: [], listeners: {}, textContent: "", style: {},
    classList: { items: new Set(), add(c) { this.items.add(c); }, remove(c) { this.items.delete(c); } },
    setAttribute(k, v) { this.attrs[k] = String(v); },
    appendChild(c) { this.children.push(c); return c; },
    addEventListener(type, fn) { this.listeners[type] = fn; },
    getBoundingClientRect() { return { left: 0, top: 0 }; },
  };
}
const nodes = {
  "graph-data": Object.assign(element("script"), { textContent: data }),
  view: Object.assign(element("svg"), { clientWidth: 800, clientHeight: 600 }),
  world: element("g"),
  summary: element("p"),
  details: element("div"),
};
global.document = {
  getElementById: (id) => nodes[id],
  createElementNS: (_ns, tag) => element(tag),
  createElement: (tag) => element(tag),
};
global.window = { addEventListener() {} };
eval(code);
const drawn = nodes.world.children;
const circles = drawn.filter((e) => e.tag === "circle");
const lines = drawn.filter((e) => e.tag === "line");
const dashed = lines.filter((e) => e.attrs["stroke-dasharray"]);
const stop = { stopPropagation() {} };
function panel() {
  // The script empties the panel by setting textContent; this stub keeps children, so read
  // the last title and table it appended.
  const kids = nodes.details.children;
  const title = kids[kids.length - 2].textContent;
  const rows = kids[kids.length - 1].children.map((tr) => tr.children.map((td) => td.textContent));
  return { title, rows };
}
circles[0].listeners.click(stop);
const party = panel();
lines[0].listeners.click(stop);
const link = panel();
dashed.find((e) => e.attrs.class.includes("shares_contact")).listeners.click(stop);
const contact = panel();
const fills = circles.map((c) => c.attrs.fill);
console.log(JSON.stringify({
  circles: circles.length, lines: lines.length, summary: nodes.summary.textContent,
  transform: nodes.world.attrs.transform, party, link, contact, dashed: dashed.length, fills,
}));
