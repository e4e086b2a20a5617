#!/usr/bin/env node
// Runs a panel's transformations with Grafana's own code (@grafana/data, the version of the
// compose stack's Grafana) on frames given as JSON on stdin:
//   {"transformations": [...panel JSON...], "frames": [{"refId": "A", "fields": [{"name", "type", "values"}]}]}
// and prints the resulting frames as JSON on stdout:
//   [{"refId", "fields": [{"name", "displayName", "type", "values"}]}]
// Used by vmcheck.py; installed from package-lock.json by grafana/test/run (npm ci).
'use strict';

// @grafana/data and the UI helpers it loads (react-use, nano-css) touch window, document and
// history when they load; in node those come from jsdom. The transformations themselves need none.
const { JSDOM } = require('jsdom');
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'http://localhost/' });
for (const name of ['window', 'document', 'navigator', 'history', 'location', 'localStorage', 'HTMLElement',
  'Element', 'Node', 'getComputedStyle']) {
  if (globalThis[name] === undefined) globalThis[name] = dom.window[name];
}
const {
  standardTransformers, standardTransformersRegistry, transformDataFrame, getFieldDisplayName, FieldType,
} = require('@grafana/data');
const { lastValueFrom } = require('rxjs');

// Grafana registers its standard transformers at start-up; the list holds some twice (aliases).
standardTransformersRegistry.setInit(() => {
  const seen = new Set();
  return Object.values(standardTransformers)
    .filter((t) => !seen.has(t.id) && seen.add(t.id))
    .map((t) => ({ id: t.id, name: t.name, description: t.description, transformation: t }));
});

function readStdin() {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => { text += chunk; });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

async function main() {
  const input = JSON.parse(await readStdin());
  const frames = input.frames.map((f) => ({
    refId: f.refId,
    length: f.fields.length ? f.fields[0].values.length : 0,
    fields: f.fields.map((x) => ({ name: x.name, type: FieldType[x.type] || x.type, config: {}, values: x.values })),
  }));
  const out = await lastValueFrom(transformDataFrame(input.transformations, frames));
  process.stdout.write(JSON.stringify(out.map((frame) => ({
    refId: frame.refId,
    fields: frame.fields.map((field) => ({
      name: field.name,
      displayName: getFieldDisplayName(field, frame, out),
      type: field.type,
      values: Array.from(field.values),
    })),
  }))));
}

main().catch((e) => {
  process.stderr.write(`transform.js: ${e.stack || e}\n`);
  process.exit(1);
});
