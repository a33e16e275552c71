// run.mjs runs ONNX models in ONNX Runtime (onnxruntime-node) for gradgraph's
// onnx tests and commands:
//
//   node run.mjs JOBS.json RESULTS.json
//
// JOBS.json is a list of {"model": PATH, "inputs": {NAME: {"dims": [...],
// "data": BASE64}}}, each input float32 little-endian; RESULTS.json gets one
// entry per job: {"inputNames": [...], "outputNames": [...], "outputs":
// {NAME: {"type": "float32", "dims": [...], "data": BASE64}}} or {"error":
// MESSAGE}. Bytes travel as base64 so that no value is rounded on the way.
//
// onnxruntime-node is looked for in the folder GRADGRAPH_ONNXRUNTIME names
// (its node_modules), as `make onnx-deps` installs it.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.GRADGRAPH_ONNXRUNTIME;
if (!dir) {
  console.error('run.mjs: GRADGRAPH_ONNXRUNTIME is not set (the folder holding node_modules/onnxruntime-node)');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
const ort = require('onnxruntime-node');

const [jobsPath, resultsPath] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsPath, 'utf8'));
const results = [];
for (const job of jobs) {
  try {
    const session = await ort.InferenceSession.create(job.model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: job.optimization || 'all',
    });
    const feeds = {};
    for (const [name, t] of Object.entries(job.inputs)) {
      const buf = Buffer.from(t.data, 'base64');
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      feeds[name] = new ort.Tensor('float32', data, t.dims);
    }
    const out = await session.run(feeds);
    const outputs = {};
    for (const name of session.outputNames) {
      const t = out[name];
      outputs[name] = {
        type: t.type,
        dims: Array.from(t.dims, Number),
        data: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'),
      };
    }
    results.push({ inputNames: session.inputNames, outputNames: session.outputNames, outputs });
    await session.release();
  } catch (e) {
    results.push({ error: String((e && e.message) || e) });
  }
}
writeFileSync(resultsPath, JSON.stringify(results));
