// Pictures encoded on a thread of their own, so that keys are read and cells drawn while a slice is encoded; a
// picture that a newer frame replaced before its turn is skipped, so holding PgDn never queues up stale slices.

import Cells
import Foundation

final class PictureSender: @unchecked Sendable {
    private var writer: PictureWriter
    private let condition = NSCondition()
    private var pending: (pictures: [Picture], overwritten: Set<Int>)?
    private var busy = false
    private var stopped = false
    private let output: @Sendable ([UInt8]) -> Void

    /// `output` writes bytes to the terminal (it is called on the sender's thread).
    init(mode: GraphicsMode, output: @escaping @Sendable ([UInt8]) -> Void) {
        writer = PictureWriter(mode: mode)
        self.output = output
        let thread = Thread { [self] in loop() }
        thread.name = "pictures"
        thread.start()
    }

    func submit(_ pictures: [Picture], overwritten: Set<Int>) {
        condition.lock()
        pending = (pictures, overwritten.union(pending?.overwritten ?? []))
        condition.signal()
        condition.unlock()
    }

    /// Waits until every submitted picture is on the terminal.
    func waitUntilIdle() {
        condition.lock()
        while busy || pending != nil { condition.wait() }
        condition.unlock()
    }

    /// After a repaint: once idle, the terminal is taken to show no picture, and every picture goes again.
    func forget() {
        waitUntilIdle()
        condition.lock()
        let bytes = writer.forget()
        condition.unlock()
        if !bytes.isEmpty { output(bytes) }
    }

    func stop() {
        waitUntilIdle()
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while pending == nil && !stopped { condition.wait() }
            if stopped { condition.unlock(); return }
            let job = pending!
            pending = nil
            busy = true
            condition.unlock()
            let bytes = writer.draw(job.pictures, overwritten: job.overwritten)
            if !bytes.isEmpty { output(bytes) }
            condition.lock()
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
