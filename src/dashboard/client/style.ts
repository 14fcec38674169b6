/** The dashboard's stylesheet (served as /api/dashboard/assets/dashboard.css). Text contrast >= 4.5:1 on its background. */
export const DASHBOARD_CSS = String.raw`
:root { --ok:#1a7f37; --bad:#cf222e; --run:#9a6700; --muted:#57606a; --line:#d0d7de; --focus:#0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 10; }
header { background: #24292f; color: #fff; padding: 8px 20px; display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: center; }
header h1 { font-size: 16px; margin: 0; }
header nav { display: flex; gap: 4px; flex: 1; }
header nav a { color: #fff; text-decoration: none; padding: 4px 10px; border-radius: 6px; }
header nav a[aria-current="page"] { background: #57606a; }
header nav a:hover { text-decoration: underline; }
header form { display: flex; gap: 6px; align-items: center; }
header input { width: 260px; padding: 4px 6px; }
header button { padding: 4px 10px; }
header .muted { color: #d0d7de; }
a { color: #0550ae; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, pre:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
main { padding: 16px 20px; }
.grid { display: grid; gap: 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; min-width: 0; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
table.kv { width: auto; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .run { color: var(--run); }
.muted { color: var(--muted); }
.note { font-size: 13px; margin: 6px 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #eaeef2; color: #1f2328; }
.badge.ok { background: #dafbe1; color: #116329; } .badge.bad { background: #ffebe9; color: #a40e26; } .badge.run { background: #fff8c5; color: #7d4e00; }
.phases span { display: inline-block; padding: 0 6px; margin: 1px 2px 1px 0; border-radius: 8px; background: #eaeef2; color: var(--muted); font-size: 12px; }
.phases span.done { background: #dafbe1; color: #116329; }
.phases span.now { background: #fff8c5; color: #7d4e00; }
.phases span.fail { background: #ffebe9; color: #a40e26; }
#error { color: var(--bad); margin: 0 0 8px; min-height: 1em; }
.row { display: flex; flex-wrap: wrap; gap: 16px; }
.row > * { flex: 1 1 360px; min-width: 0; }
.chart { position: relative; height: 300px; min-width: 280px; }
.chart.short { height: 220px; }
.chart.tall { height: 420px; }
.chart.mini { height: 90px; min-width: 180px; width: 260px; }
.chart.mini.h1 { height: 50px; } .chart.mini.h2 { height: 70px; } .chart.mini.h3 { height: 85px; }
.chart.mini.h4 { height: 100px; } .chart.mini.h5 { height: 115px; } .chart.mini.h6 { height: 130px; }
td.plotcell { width: 280px; }
.confusion { width: auto; margin-top: 4px; }
.confusion td.cm { text-align: center; min-width: 90px; font-weight: 600; color: #1f2328; }
.confusion td.cm.dark { color: #fff; }
.confusion small { font-weight: 400; }
.lineage { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0; }
.lineage .node { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; display: flex; flex-direction: column; background: #f6f8fa; }
.lineage .arrow { font-size: 20px; color: var(--muted); }
.mono { font-family: ui-monospace, monospace; }
pre.card { white-space: pre-wrap; background: #f6f8fa; border: 1px solid var(--line); padding: 8px 12px; max-height: 480px; overflow: auto; font-size: 12px; }
.decision { font-weight: 700; font-size: 15px; }
.bench { border-top: 1px solid var(--line); padding-top: 4px; margin-top: 8px; }
`;
