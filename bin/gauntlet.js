#!/usr/bin/env node
// The local runner: `node bin/gauntlet.js run <action> --input name=value …`. Needs Node 24 and nothing else:
// it loads the committed bundle, so a plain clone of this repository works in GitLab CI, Jenkins or a laptop.
import { cli } from '../bundle/dist/index.js';

process.exitCode = await cli(process.argv.slice(2));
