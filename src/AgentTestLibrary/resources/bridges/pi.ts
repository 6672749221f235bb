// The AgentTestLibrary hooks bridge as a pi extension (Install Hooks Bridge writes it; it is removed after the test).
// Each event goes to `agenttest hook` as JSON on stdin; exit code 2 blocks the tool with the bridge's reason.
import { spawnSync } from "node:child_process";

const BRIDGE: string[] = __AGENTTEST_BRIDGE__;
const EVENTS: string[] = __AGENTTEST_EVENTS__;

function send(event: string, payload: Record<string, unknown>): { blocked: boolean; reason: string } {
  const done = spawnSync(BRIDGE[0], [...BRIDGE.slice(1), "--event", event], {
    input: JSON.stringify({ hook_event_name: event, ...payload }),
    encoding: "utf-8",
    timeout: 30000,
  });
  const reason = (done.stderr || "").trim() || "blocked by the AgentTestLibrary hooks bridge";
  return { blocked: done.status === 2, reason };
}

function text(content: unknown): string {
  if (!Array.isArray(content)) return String(content ?? "");
  return content.map((part: any) => (part && part.type === "text" ? String(part.text) : "")).join("");
}

export default function (pi: any) {
  const on = (event: string, handler: (event: any, ctx: any) => unknown) => {
    if (EVENTS.includes(event)) pi.on(event, handler);
  };
  const where = (ctx: any) => ({ cwd: ctx?.cwd, session_id: ctx?.sessionManager?.getSessionId?.() });
  on("session_start", (event, ctx) => {
    send("session_start", { ...where(ctx), source: event.reason });
  });
  on("before_agent_start", (event, ctx) => {
    send("before_agent_start", { ...where(ctx), prompt: event.prompt });
  });
  on("tool_call", (event, ctx) => {
    const call = { tool_name: event.toolName, tool_input: event.input, tool_use_id: event.toolCallId };
    const answer = send("tool_call", { ...where(ctx), ...call });
    return answer.blocked ? { block: true, reason: answer.reason } : undefined;
  });
  on("tool_result", (event, ctx) => {
    const call = { tool_name: event.toolName, tool_input: event.input, tool_use_id: event.toolCallId };
    send("tool_result", { ...where(ctx), ...call, tool_response: { output: text(event.content), is_error: event.isError } });
  });
  on("agent_end", (_event, ctx) => {
    send("agent_end", where(ctx));
  });
  on("session_shutdown", (event, ctx) => {
    send("session_shutdown", { ...where(ctx), source: event.reason });
  });
}
