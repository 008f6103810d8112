// Background work started from the API (training, scoring), reported as MONAI Label reports its tasks: an id, a
// status (SUBMITTED, RUNNING, DONE, ERROR, STOPPED), the request, start and end times, and the last lines of
// progress. One task of a kind at a time; a second is refused with 429 as MONAI Label refuses it.

import Foundation
import Volume

final class ServerTasks: @unchecked Sendable {
    struct Task {
        var id = UUID().uuidString
        var status = "SUBMITTED"
        var request: [String: Any]
        var started = Date()
        var ended: Date?
        var details: [String] = []
        var result: String?

        var json: [String: Any] {
            var out: [String: Any] = ["id": id, "status": status, "request": request, "start_ts": ServerTasks.timestamp(started),
                                      "details": details]
            if let ended { out["end_ts"] = ServerTasks.timestamp(ended) }
            if let result { out["result"] = result }
            return out
        }
    }

    let kind: String
    private let lock = NSLock()
    private var tasks: [Task] = []
    private var running: Cancellation?

    init(kind: String) {
        self.kind = kind
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Starts `work` on its own thread; it reports lines and returns (succeeded, result message). `refusing` may
    /// refuse it (it throws), asked only when no task of this kind runs: a check that takes the task's own resource
    /// for a moment (a folder's training lock) would otherwise take it from the running task as it starts.
    func start(_ request: [String: Any], refusing: () throws -> Void = {},
               work: @escaping @Sendable (Cancellation, @escaping @Sendable (String) -> Void) -> (Bool, String)) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        guard running == nil else { throw APIError(429, "\(kind.capitalized) Task is Already Running") }
        try refusing()
        let cancellation = Cancellation()
        running = cancellation
        var task = Task(request: request)
        task.status = "RUNNING"
        tasks.append(task)
        if tasks.count > 50 { tasks.removeFirst(tasks.count - 50) }
        let id = task.id
        let thread = Thread {
            let (succeeded, message) = work(cancellation) { line in self.update(id) { $0.details = Array(($0.details + [line]).suffix(20)) } }
            self.lock.lock()
            self.running = nil
            self.lock.unlock()
            self.update(id) { task in
                if task.status == "RUNNING" { task.status = cancellation.isCancelled ? "STOPPED" : succeeded ? "DONE" : "ERROR" }
                task.ended = task.ended ?? Date()
                task.result = message
            }
        }
        thread.qualityOfService = .utility
        thread.start()
        return task.json
    }

    private func update(_ id: String, _ change: (inout Task) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if let n = tasks.firstIndex(where: { $0.id == id }) { change(&tasks[n]) }
    }

    /// GET: the last task (all with `all`); with `checkIfRunning`, the running one or 404.
    func status(all: Bool, checkIfRunning: Bool) throws -> Any {
        lock.lock()
        defer { lock.unlock() }
        if checkIfRunning {
            guard running != nil, let task = tasks.last(where: { $0.status == "RUNNING" }) else {
                throw APIError(404, "No \(kind.capitalized) Tasks are currently Running")
            }
            return task.json
        }
        guard let last = tasks.last else { throw APIError(404, "No \(kind.capitalized) Tasks Found") }
        return all ? tasks.map(\.json) : last.json
    }

    /// DELETE: asks the running task to stop (it ends after its current step); null when none runs.
    func stop() -> Any {
        lock.lock()
        defer { lock.unlock() }
        guard let running, let n = tasks.lastIndex(where: { $0.status == "RUNNING" }) else { return NSNull() }
        running.cancel()
        tasks[n].status = "STOPPED"
        tasks[n].ended = Date()
        return tasks[n].json
    }

    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running != nil
    }
}
