namespace Mesos.HA.Master.Operator;

/// <summary>
/// The cluster overview served at <c>/</c>: one self-contained page (no external scripts or fonts)
/// that reads <c>/master/state</c> every two seconds and draws leader, masters, agents, frameworks
/// and tasks. Everything from the cluster is inserted as text, never as markup.
/// </summary>
public static class WebPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Mesos.HA</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
          h1 { font-size: 1.4rem; margin: 0 0 .3rem 0; }
          h2 { font-size: 1.1rem; margin: 1.4rem 0 .4rem 0; }
          table { border-collapse: collapse; min-width: 40rem; }
          th, td { text-align: left; padding: .25rem .8rem .25rem 0; border-bottom: 1px solid #ddd; font-size: .9rem; }
          th { color: #555; font-weight: 600; }
          .muted { color: #777; font-size: .85rem; }
          .leader { color: #0a6; font-weight: 600; }
          .bad { color: #c33; font-weight: 600; }
          code { font-size: .85rem; }
        </style>
        </head>
        <body>
        <h1>Mesos.HA</h1>
        <div id="summary" class="muted">loading…</div>
        <h2>Masters</h2><div id="masters"></div>
        <h2>Agents <span id="agent-count" class="muted"></span></h2>
        <table id="agents"><thead><tr><th>ID</th><th>Hostname</th><th>CPUs used/total</th><th>Memory used/total (MB)</th><th>Active</th></tr></thead><tbody></tbody></table>
        <h2>Frameworks <span id="framework-count" class="muted"></span></h2>
        <table id="frameworks"><thead><tr><th>ID</th><th>Name</th><th>Roles</th><th>Connected</th><th>Tasks</th></tr></thead><tbody></tbody></table>
        <h2>Tasks <span id="task-count" class="muted"></span></h2>
        <table id="tasks"><thead><tr><th>Task</th><th>Framework</th><th>Agent</th><th>State</th></tr></thead><tbody></tbody></table>
        <script>
        "use strict";
        function cell(row, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); }
        function fill(id, rows) {
          const body = document.querySelector("#" + id + " tbody");
          body.replaceChildren();
          for (const values of rows) { const tr = document.createElement("tr"); for (const v of values) cell(tr, String(v)); body.appendChild(tr); }
        }
        function used(r, name) { return (r.used_resources[name] || 0) + " / " + (r.resources[name] || 0); }
        async function refresh() {
          try {
            const response = await fetch("/master/state", { cache: "no-store" });
            const s = await response.json();
            const leader = s.leader_info ? s.leader_info.hostname + ":" + s.leader_info.port + " (raft " + s.leader_info.raft + ")" : "none";
            const summary = document.getElementById("summary");
            summary.textContent = "This master (" + s.hostname + ":" + s.port + ") is the " + s.role + "; leader: " + leader + ", term " + s.term +
              (s.role === "leader" ? "" : " (tasks and usage are known to the leader: open it for the full picture)") + ". Updated " + new Date().toLocaleTimeString() + ".";
            const masters = document.getElementById("masters");
            masters.replaceChildren();
            for (const m of s.masters || []) {
              const div = document.createElement("div");
              div.textContent = "raft " + m.raft + (m.leader && s.leader_info ? "  (leader, http " + s.leader_info.hostname + ":" + s.leader_info.port + ")" : "");
              if (m.leader) div.className = "leader";
              masters.appendChild(div);
            }
            fill("agents", s.slaves.map(a => [a.id, a.hostname, used(a, "cpus"), used(a, "mem"), a.active ? "yes" : "no"]));
            document.getElementById("agent-count").textContent = "(" + s.activated_slaves + " active, " + s.unreachable_slaves + " unreachable)";
            fill("frameworks", s.frameworks.map(f => [f.id, f.name, f.roles.join(","), f.connected ? "yes" : "no", f.tasks.length]));
            document.getElementById("framework-count").textContent = "(" + s.frameworks.length + ")";
            const tasks = s.frameworks.flatMap(f => f.tasks);
            fill("tasks", tasks.map(t => [t.id, t.framework_id, t.slave_id, t.state]));
            document.getElementById("task-count").textContent = "(" + tasks.length + ")";
          } catch (e) {
            const summary = document.getElementById("summary");
            summary.textContent = "cannot read the state: " + e;
            summary.className = "bad";
          }
        }
        refresh();
        setInterval(refresh, 2000);
        </script>
        </body>
        </html>
        """;
}
