"""The report's stylesheet, inlined in every report: system fonts only, no external resource."""

STYLESHEET = """
:root {
  --ink: #1b1f24; --muted: #5b6470; --rule: #d5dae0; --soft: #f5f6f8; --navy: #1f4e79;
  --good: #2e7d4f; --good-bg: #eaf4ee; --warn: #9a5b00; --warn-bg: #fdf3e1;
  --bad: #b3261e; --bad-bg: #fbeceb; --crime: #6e1a16; --crime-bg: #f6e1df;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
  font-variant-numeric: tabular-nums;
}
.page { max-width: 1120px; margin: 0 auto; padding: 0 28px 48px; }
.band { height: 6px; background: var(--navy); }
header { padding: 26px 0 18px; border-bottom: 1px solid var(--rule); }
.kicker { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .06em;
  text-transform: uppercase; }
h1 { margin: 4px 0 10px; font-size: 30px; line-height: 1.2; font-weight: 650; }
h2 { margin: 40px 0 4px; font-size: 21px; font-weight: 650; }
h2 + .lead { margin-top: 0; }
h3 { margin: 0 0 2px; font-size: 16px; font-weight: 650; }
.lead { color: var(--muted); margin: 0 0 16px; max-width: 760px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0; font-size: 14px; }
.meta div { display: flex; gap: 6px; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 14px 0 0; font-size: 14px; }
.figures b { font-size: 17px; font-weight: 650; }
.glance { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 20px; align-items: start; }
.verdicts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
.verdict { border: 1px solid var(--rule); border-top: 5px solid var(--muted);
  padding: 12px 14px 12px; background: #fff; }
.verdict .code { font-size: 13px; color: var(--muted); }
.verdict .label { font-size: 22px; font-weight: 700; margin: 2px 0 4px; }
.verdict .why { font-size: 13px; color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.verdict.compliant { border-top-color: var(--good); background: var(--good-bg); }
.verdict.compliant .label { color: var(--good); }
.verdict.at_risk { border-top-color: #c27a12; background: var(--warn-bg); }
.verdict.at_risk .label { color: var(--warn); }
.verdict.violation { border-top-color: var(--bad); background: var(--bad-bg); }
.verdict.insufficient_data { border-top-color: var(--bad); background: #fff; border-style: dashed; }
.verdict.insufficient_data .label { color: var(--bad); }
.alert { border: 2px solid var(--bad); background: var(--bad-bg); color: var(--bad);
  padding: 12px 16px; border-radius: 4px; margin: 16px 0; }
.alert h2 { color: var(--bad); margin-top: 0; }
.alert p, .alert li { color: #5c130f; }
.pill.insufficient_data, .mark.cannot_tell { color: var(--bad); }
.pill.insufficient_data { background: #fff; border: 1px dashed var(--bad); }
.verdict.violation .label { color: var(--bad); }
.verdict.criminal { border-top-color: var(--crime); background: var(--crime-bg); }
.verdict.criminal .label { color: var(--crime); }
.severity { display: inline-block; margin-left: 6px; padding: 1px 7px; font-size: 12px;
  font-weight: 650; vertical-align: 4px; border-radius: 3px; color: #fff; background: var(--bad); }
.criminal .severity { background: var(--crime); }
.outcomes { border: 1px solid var(--rule); background: var(--soft); padding: 14px 16px; }
.outcomes h3 { margin-bottom: 8px; }
.outcome { padding: 8px 0; border-top: 1px solid var(--rule); }
.outcome .num { font-size: 24px; line-height: 1.25; font-weight: 700; }
.outcome .num.bad { color: var(--bad); }
.outcome p { margin: 0; font-size: 14px; }
.compare { margin: 10px 0 0; font-size: 12.5px; color: var(--muted); }
.jurisdiction { margin-top: 26px; }
.jurisdiction h3 { font-size: 17px; display: flex; align-items: baseline; gap: 10px;
  flex-wrap: wrap; }
.pill { font-size: 13px; font-weight: 650; padding: 1px 8px; border-radius: 3px; }
.pill.compliant, .mark.pass { color: var(--good); }
.pill.compliant { background: var(--good-bg); }
.pill.at_risk, .mark.at_risk { color: var(--warn); }
.pill.at_risk { background: var(--warn-bg); }
.pill.violation, .mark.violation { color: var(--bad); }
.pill.violation { background: var(--bad-bg); }
.pill.criminal { color: #fff; background: var(--crime); }
.mark.not_applicable { color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12.5px;
  border-bottom: 2px solid var(--ink); padding: 6px 10px 6px 0; vertical-align: bottom; }
td { border-bottom: 1px solid var(--rule); padding: 8px 10px 8px 0; vertical-align: top; }
table.rows { max-width: 560px; }
td.num, th.num { text-align: right; white-space: nowrap; }
.findings td.result { white-space: nowrap; font-weight: 650; }
.findings tr.muted td { color: var(--muted); }
.findings tr.violation td:first-child { box-shadow: inset 3px 0 var(--bad); padding-left: 8px; }
.findings tr.at_risk td:first-child { box-shadow: inset 3px 0 #c27a12; padding-left: 8px; }
.findings td:first-child, .findings th:first-child { padding-left: 8px; }
.rule { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px;
  white-space: nowrap; }
.zh { display: block; font-size: 13px; color: var(--muted); }
.evidence { margin: 0 0 4px; }
.source { margin: 0; font-size: 12.5px; color: var(--muted); }
.indicator { display: block; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 12.5px; color: var(--muted); word-break: break-word; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 28px 36px; }
figure { margin: 0; padding-top: 12px; border-top: 2px solid var(--ink); min-width: 0; }
figure .takeaway { margin: 0 0 10px; font-size: 14px; color: var(--muted); }
figure svg { display: block; width: 100%; height: auto; overflow: visible; }
figcaption { margin-top: 8px; font-size: 12.5px; color: var(--muted); }
svg text { fill: var(--ink); font-size: 12px; }
svg text.tick { fill: var(--muted); font-size: 11.5px; }
svg text.val { font-size: 11.5px; }
svg text.note { font-size: 12.5px; font-weight: 650; }
svg text.note.bad { fill: var(--bad); }
svg text.note.good { fill: var(--good); }
svg text.inbar { fill: #fff; font-size: 12px; font-weight: 650; }
svg text.big { font-size: 28px; font-weight: 700; }
.legend { list-style: none; margin: 8px 0 0; padding: 0; font-size: 13px; }
.legend li { display: flex; flex-wrap: wrap; align-items: center; column-gap: 8px;
  padding: 2px 0; }
.legend .swatch { flex: none; width: 12px; height: 12px; }
.legend .figs { margin-left: auto; color: var(--muted); white-space: nowrap; }
details { margin-top: 8px; font-size: 13px; }
details summary { cursor: pointer; color: var(--navy); }
details table { margin-top: 6px; font-size: 13px; }
.ok { color: var(--good); font-weight: 600; }
.problems-title { margin-top: 18px; }
footer { margin-top: 48px; padding-top: 14px; border-top: 1px solid var(--rule);
  font-size: 12.5px; color: var(--muted); }
@media (max-width: 860px) {
  .glance, .charts { grid-template-columns: minmax(0, 1fr); }
}
@media (max-width: 600px) {
  .page { padding: 0 16px 36px; }
  h1 { font-size: 24px; }
  h2 { font-size: 19px; margin-top: 32px; }
  .verdict .label { font-size: 18px; }
  .verdicts { gap: 10px; }
  .verdict { padding: 10px 10px; }
  .findings thead { display: none; }
  .findings, .findings tbody, .findings tr, .findings td { display: block; width: 100%; }
  .findings tr { border-bottom: 1px solid var(--rule); padding: 8px 0 8px 8px; }
  .findings td { border: 0; padding: 2px 0; }
  .findings td.num { text-align: left; }
  .findings td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
  .findings tr.violation { box-shadow: inset 3px 0 var(--bad); }
  .findings tr.at_risk { box-shadow: inset 3px 0 #c27a12; }
  .findings tr td:first-child, .findings tr.violation td:first-child,
  .findings tr.at_risk td:first-child { box-shadow: none; padding-left: 0; }
  svg text { font-size: 15px; }
  svg text.tick, svg text.val { font-size: 14px; }
  svg text.note { font-size: 15px; }
  svg text.inbar { font-size: 14px; }
}
@media print {
  .band { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .verdict, .pill, .severity, svg { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  figure, .verdict, tr { break-inside: avoid; }
  details { display: block; }
}
"""
