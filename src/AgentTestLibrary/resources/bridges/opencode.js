// The AgentTestLibrary hooks bridge as an opencode plugin (Install Hooks Bridge writes it; it is removed after the test).
// Each hook goes to `agenttest hook` as JSON on stdin; exit code 2 blocks the tool (the thrown error is its result).
import { spawnSync } from "node:child_process";

const BRIDGE = __AGENTTEST_BRIDGE__;
const EVENTS = __AGENTTEST_EVENTS__;

function send(event, payload) {
  const done = spawnSync(BRIDGE[0], [...BRIDGE.slice(1), "--event", event], {
    input: JSON.stringify({ hook_event_name: event, ...payload }),
    encoding: "utf-8",
    timeout: 30000,
  });
  const reason = (done.stderr || "").trim() || "blocked by the AgentTestLibrary hooks bridge";
  return { blocked: done.status === 2, reason };
}

export const AgentTestBridge = async ({ directory }) => {
  const hooks = {};
  const lifecycle = EVENTS.filter((name) => name.startsWith("session."));
  if (lifecycle.length) {
    hooks.event = async ({ event }) => {
      if (lifecycle.includes(event.type)) send(event.type, { cwd: directory, session_id: event.properties?.sessionID });
    };
  }
  if (EVENTS.includes("chat.message")) {
    hooks["chat.message"] = async (input, output) => {
      const prompt = (output.parts || []).filter((part) => part.type === "text").map((part) => part.text).join("\n");
      send("chat.message", { cwd: directory, session_id: input.sessionID, prompt });
    };
  }
  if (EVENTS.includes("tool.execute.before")) {
    hooks["tool.execute.before"] = async (input, output) => {
      const call = { tool_name: input.tool, tool_input: output.args, tool_use_id: input.callID };
      const answer = send("tool.execute.before", { cwd: directory, session_id: input.sessionID, ...call });
      if (answer.blocked) throw new Error(answer.reason);
    };
  }
  if (EVENTS.includes("tool.execute.after")) {
    hooks["tool.execute.after"] = async (input, output) => {
      const call = { tool_name: input.tool, tool_input: input.args, tool_use_id: input.callID };
      const response = { output: output.output, title: output.title };
      send("tool.execute.after", { cwd: directory, session_id: input.sessionID, ...call, tool_response: response });
    };
  }
  return hooks;
};
