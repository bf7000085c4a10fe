// Imported before onnxruntime-node by the bench's ORT scripts: the same work-around as the inference
// worker's entry (server/src/engine/worker-entry.js): onnxruntime-node ≤ 1.30 cannot take float16 inputs
// where the runtime has Float16Array (Node ≥ 23; onnxruntime issue 26791).
const scope = globalThis as { Float16Array?: unknown };
if (typeof scope.Float16Array !== 'undefined') delete scope.Float16Array;
export {};
