#!/usr/bin/env node
// Regenerates the README's settings reference and local.settings.sample.json from src/app/settings.ts
// (build first: npm run build). Usage: npm run settings:doc
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..');
const { withSettingsSection, sampleSettings } = require(path.join(root, 'dist/src/app/settingsDoc.js'));
const readme = path.join(root, 'README.md');
fs.writeFileSync(readme, withSettingsSection(fs.readFileSync(readme, 'utf8')));
fs.writeFileSync(path.join(root, 'local.settings.sample.json'), JSON.stringify(sampleSettings(), null, 2) + '\n');
console.log('README.md settings section and local.settings.sample.json regenerated');
