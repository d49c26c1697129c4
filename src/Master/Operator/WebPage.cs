namespace Mesos.HA.Master.Operator;

/// <summary>
/// The cluster overview served at <c>/</c>: one self-contained page (no external scripts, styles or fonts)
/// that reads <c>/master/overview</c> every two seconds and draws the masters (role, term, commit and
/// applied index, membership; the leader's row marked), a timeline of the leader changes this page saw,
/// the agents with their drain state, the frameworks, and the tasks with links to their sandbox files
/// on their agents. Everything from the cluster is inserted as text or as a checked attribute, never as markup.
/// </summary>
public static class WebPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Mesos.HA</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 1.2rem 1.5rem; color: #222; background: #fff; }
          h1 { font-size: 1.4rem; margin: 0 0 .3rem 0; }
          h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem 0; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .25rem .8rem .25rem .3rem; border-bottom: 1px solid #e2e2e2; font-size: .88rem; vertical-align: top; }
          th { color: #555; font-weight: 600; background: #f6f6f6; }
          td:first-child { font-family: ui-monospace, monospace; font-size: .82rem; }
          .muted { color: #777; font-size: .85rem; font-weight: normal; }
          .bad { color: #c33; font-weight: 600; }
          tr.leader td, tr.current td { background: #e8f7ee; font-weight: 600; }
          .badge { display: inline-block; padding: 0 .4rem; border-radius: .6rem; font-size: .75rem; font-weight: 700; letter-spacing: .03em; }
          .badge.leader { background: #0a6; color: #fff; }
          .badge.draining { background: #e90; color: #fff; }
          .badge.drained { background: #777; color: #fff; }
          .badge.deactivated { background: #bbb; color: #222; }
          .badge.unreachable { background: #c33; color: #fff; }
          tr.done td { color: #777; }
          a { color: #06c; margin-right: .6rem; }
          .top { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 1.2rem; }
          .top section { overflow-x: auto; }
          #masters td, #timeline td { white-space: nowrap; }
          .top th, .top td { padding-right: .5rem; font-size: .84rem; }
          @media (max-width: 1300px) { .top { grid-template-columns: minmax(0, 1fr); } }
        </style>
        </head>
        <body>
        <h1>Mesos.HA</h1>
        <div id="summary" class="muted">loading…</div>
        <div class="top">
          <section>
            <h2>Masters <span id="master-count" class="muted"></span></h2>
            <table id="masters"><thead><tr><th>Raft</th><th>HTTP</th><th></th><th>Role</th><th>Term</th><th>Commit index</th><th>Applied index</th><th>Membership</th><th>Leader it sees (HTTP)</th></tr></thead><tbody></tbody></table>
          </section>
          <section>
            <h2>Leader timeline <span class="muted">(seen by this page)</span></h2>
            <table id="timeline"><thead><tr><th>Seen</th><th>Term</th><th>Leader</th><th>Raft</th></tr></thead><tbody></tbody></table>
          </section>
        </div>
        <h2>Agents <span id="agent-count" class="muted"></span></h2>
        <table id="agents"><thead><tr><th>ID</th><th>Hostname</th><th>Address</th><th>CPUs used/total</th><th>Memory used/total (MB)</th><th>Tasks</th><th>State</th></tr></thead><tbody></tbody></table>
        <h2>Frameworks <span id="framework-count" class="muted"></span></h2>
        <table id="frameworks"><thead><tr><th>ID</th><th>Name</th><th>Roles</th><th>Connected</th><th>Tasks</th><th>CPUs used</th><th>Memory used (MB)</th></tr></thead><tbody></tbody></table>
        <h2>Tasks <span id="task-count" class="muted"></span></h2>
        <table id="tasks"><thead><tr><th>Task</th><th>Framework</th><th>Agent</th><th>State</th><th>Sandbox</th></tr></thead><tbody></tbody></table>
        <script>
        "use strict";
        const timelineKept = 200, timelineShown = 20; // rows of the leader timeline kept in memory, and shown
        const timeline = []; // {seen, term, http, raft} of the leader, oldest first: what this page saw, kept in memory only
        let busy = false;

        // Builds an element: strings become text nodes, never markup; only the attributes named here are set.
        function el(tag, props, ...children) {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(props || {})) {
            if (v === undefined || v === null || v === "") continue;
            if (k === "class") e.className = v; else e.setAttribute(k, String(v));
          }
          for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
          return e;
        }
        function row(cls, ...cells) { return el("tr", { class: cls }, ...cells.map(c => el("td", null, c))); }
        function fill(id, rows) { document.querySelector("#" + id + " tbody").replaceChildren(...rows); }
        function text(id, value) { document.getElementById(id).textContent = value; }
        function num(v) { return typeof v === "number" && isFinite(v) ? v : 0; }
        function used(r, name) { return num((r.used_resources || {})[name]) + " / " + num((r.resources || {})[name]); }
        function badge(kind, label) { return el("span", { class: "badge " + kind }, label); }

        // The agent's HTTP address from its pid (slave(1)@host:port or slave@host:port), or "" when it is not one.
        function agentAddress(pid) {
          const address = String(pid || "").slice(String(pid || "").indexOf("@") + 1);
          return /^[A-Za-z0-9.\-]+:[0-9]{1,5}$|^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$/.test(address) ? address : "";
        }
        // The agent names sandbox directories after ids with anything but [A-Za-z0-9._-] replaced (AgentPaths.Safe).
        function safe(id) {
          id = String(id);
          if (id === "" || id === "." || id === "..") return "_" + id.length;
          return id.replace(/[^A-Za-z0-9._-]/g, "_");
        }
        function sandboxLinks(task, agents) {
          const address = agentAddress((agents.get(task.slave_id) || {}).pid);
          if (!address) return "agent not reachable";
          const executor = task.executor_id ? task.executor_id : task.id;
          const alias = "/frameworks/" + safe(task.framework_id) + "/executors/" + safe(executor) + "/runs/latest";
          const base = location.protocol + "//" + address + "/files/";
          const span = el("span", null);
          span.append(
            el("a", { href: base + "browse?path=" + encodeURIComponent(alias), class: "sandbox", title: alias }, "sandbox"),
            el("a", { href: base + "read?path=" + encodeURIComponent(alias + "/stdout") + "&offset=0", class: "stdout" }, "stdout"),
            el("a", { href: base + "read?path=" + encodeURIComponent(alias + "/stderr") + "&offset=0", class: "stderr" }, "stderr"));
          return span;
        }

        // Who leads by the masters' own answers: the highest term any master leads in, else what this master believes.
        function currentLeader(o) {
          let best = null;
          for (const m of o.masters || []) {
            const h = m.health;
            if (h && h.role === "leader" && (!best || h.term > best.term)) best = { term: h.term, http: h.http, raft: h.raft };
          }
          if (best) return best;
          const s = o.self || {};
          return { term: s.term, http: s.leader_raft ? s.leader_http || "?" : "none", raft: s.leader_raft || "" };
        }
        function note(o) {
          const now = currentLeader(o);
          const last = timeline[timeline.length - 1];
          if (!last || last.term !== now.term || last.http !== now.http || last.raft !== now.raft) {
            timeline.push({ seen: new Date(), term: now.term, http: now.http, raft: now.raft });
            if (timeline.length > timelineKept) timeline.splice(0, timeline.length - timelineKept);
          }
          fill("timeline", timeline.slice(-timelineShown).reverse().map((t, i) =>
            row(i === 0 ? "current" : "", t.seen.toLocaleTimeString(), String(t.term), t.http, t.raft)));
        }

        function drawMasters(o) {
          const masters = o.masters || [];
          fill("masters", masters.map(m => {
            const h = m.health;
            const tr = row(m.leader ? "leader" : "",
              m.raft, m.http || "?", m.leader ? badge("leader", "LEADER") : "",
              h ? h.role : "unreachable", h ? String(h.term) : "?", h ? String(h.commit_index) : "?", h ? String(h.applied_index) : "?",
              (m.status || "?") + (m.voting === false ? ", non-voting" : ", voting") + (h && h.standby ? ", standby" : ""),
              h ? (h.leader_raft ? h.leader_http || "?" : "none") : (m.error || ""));
            tr.setAttribute("data-raft", m.raft);
            if (h && h.leader_raft) tr.children[8].title = "raft " + h.leader_raft;
            if (!h) tr.children[3].className = "bad";
            return tr;
          }));
          text("master-count", "(" + masters.length + ", as " + o.state_from + " sees the configuration)");
        }

        function drawAgents(s, tasksByAgent) {
          const rows = (s.slaves || []).map(a => {
            const state = a.drain_state ? badge(a.drain_state.toLowerCase(), a.drain_state)
              : a.deactivated ? badge("deactivated", "DEACTIVATED") : (a.active ? "active" : "inactive");
            return row("", a.id, a.hostname, agentAddress(a.pid) || "?", used(a, "cpus"), used(a, "mem"), String(tasksByAgent.get(a.id) || 0), state);
          });
          for (const a of s.unreachable_agents || []) rows.push(row("", a.id, a.hostname, "?", "", "", "", badge("unreachable", "UNREACHABLE")));
          fill("agents", rows);
          text("agent-count", "(" + num(s.activated_slaves) + " active, " + num(s.unreachable_slaves) + " unreachable)");
        }

        function draw(o) {
          const s = o.state || {};
          const self = o.self || {};
          const leader = self.leader_raft ? (self.leader_http || "?") + " (raft " + self.leader_raft + ")" : "none";
          const from = o.state_from === self.http ? "" : " Agents, frameworks and tasks as the leader " + o.state_from + " knows them.";
          const partial = s.role === "leader" ? "" : " (tasks and usage are known to the leader only, and it did not answer)";
          const summary = document.getElementById("summary");
          summary.textContent = "This master (" + self.http + ") is the " + self.role + "; leader: " + leader + ", term " + self.term + "." +
            from + partial + " Updated " + new Date().toLocaleTimeString() + ".";
          summary.className = "muted";
          note(o);
          drawMasters(o);

          const frameworks = s.frameworks || [];
          const live = frameworks.flatMap(f => f.tasks || []);
          const done = frameworks.flatMap(f => f.completed_tasks || []);
          const tasksByAgent = new Map();
          for (const t of live) tasksByAgent.set(t.slave_id, (tasksByAgent.get(t.slave_id) || 0) + 1);
          drawAgents(s, tasksByAgent);

          fill("frameworks", frameworks.map(f => row("", f.id, f.name, (f.roles || []).join(","), f.connected ? "yes" : "no",
            String((f.tasks || []).length), String(num((f.used_resources || {}).cpus)), String(num((f.used_resources || {}).mem)))));
          text("framework-count", "(" + frameworks.length + ")");

          const agents = new Map((s.slaves || []).map(a => [a.id, a]));
          const names = new Map(frameworks.map(f => [f.id, f.name]));
          const byId = (a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
          fill("tasks", [...live].sort(byId).concat([...done].sort(byId)).map(t => {
            const tr = row(live.includes(t) ? "" : "done", t.id, names.get(t.framework_id) || t.framework_id,
              (agents.get(t.slave_id) || {}).hostname || t.slave_id, t.state, sandboxLinks(t, agents));
            tr.children[1].title = t.framework_id;
            tr.children[2].title = t.slave_id;
            return tr;
          }));
          text("task-count", "(" + live.length + " live, " + done.length + " completed)");
        }

        async function refresh() {
          if (busy) return;
          busy = true;
          try {
            const response = await fetch("/master/overview", { cache: "no-store" });
            if (!response.ok) throw new Error("HTTP " + response.status);
            draw(await response.json());
          } catch (e) {
            const summary = document.getElementById("summary");
            summary.textContent = "cannot read the overview: " + e + " (retrying every 2 s)";
            summary.className = "bad";
          } finally {
            busy = false;
          }
        }
        refresh();
        setInterval(refresh, 2000);
        </script>
        </body>
        </html>
        """;
}
