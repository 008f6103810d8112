// Wall-clock seconds for the figures the verbs print.

import Dispatch

public func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}
