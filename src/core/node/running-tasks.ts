// tasks/active as PVE itself counts it: a line without an end is a running task only while its worker
// lives (pve-common RPCEnvironment active_workers → ProcFSTools check_process_running: the UPID's pid
// and its start time in clock ticks against /proc/<pid>/stat). Pure.
import { parseActiveTasks, type Task } from '../parse/pmxcfs';
import type { HostSnapshot } from '../vocab/snapshot';

/**
 * tasks/active's running lines, split by whether their worker lives: the UPID's pid and its start time
 * in clock ticks (pstart) against /proc/<pid>/stat (snapshot taskWorkers), as PVE itself decides.
 */
export function runningTasks(snap: HostSnapshot): { tasks: Task[]; deadTasks: Task[]; tasksUnread: string | null } {
  const path = '/var/log/pve/tasks/active';
  const text = snap.files[path] ?? '';
  const why = snap.unreadable?.[path];
  const odd = text.split('\n').find((l) => l.trim() !== '' && parseActiveTasks(l).length === 0);
  const tasksUnread = why
    ? `${path} could not be read (${why})`
    : odd !== undefined
      ? `${path} has a line that is no task line (${JSON.stringify(odd.slice(0, 60))})`
      : null;
  const tasks: Task[] = [];
  const deadTasks: Task[] = [];
  for (const t of parseActiveTasks(text)) {
    if (!t.running) continue;
    const start = snap.taskWorkers ? snap.taskWorkers[t.upid] : undefined;
    if (start === undefined || start === t.pstart) tasks.push(t);
    else deadTasks.push(t);
  }
  return { tasks, deadTasks, tasksUnread };
}
