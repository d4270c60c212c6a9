#!/usr/bin/env node
import { limitHeapGrowth } from '../dist/util/heap-growth.js';
import { run } from '../dist/cli.js';

limitHeapGrowth();
process.exitCode = await run(process.argv);
