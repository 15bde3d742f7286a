import ByteStreams
import Foundation
import HTTPClient
import LifeboatCrypto
import MongoSource
import S3Storage
import Storage

/// Whose fault a failed check is: the artifact's (it is damaged, missing
/// or not what its manifest says) or the check's (a server down, a key
/// missing or wrong, a tier unreachable, no permission to read). Only the
/// first fails a set; the second is "not checked". Decided from the
/// error's type and kind, never from its text.
enum VerificationFault: Equatable {
    case artifact(String)
    case check(String)

    static func classify(_ error: any Error) -> VerificationFault {
        switch error {
        case StorageError.notFound(let tier, _):
            return .artifact("missing from the \(tier) tier")
        case let error as AgeError where error.kind == .key:
            return .check("it cannot be decrypted with the key given (\(error.message)); the artifact itself may be intact")
        case let error as S3Error:
            switch error.kind {
            case .integrity: return .artifact(error.description)
            case .archived: return .check("it is in an archive storage class: `lifeboat thaw` it first")
            case .transport: return .check("the tier could not be reached: \(error.description)")
            case .server(let status, _):
                return status == 404 ? .artifact(error.description) : .check("the tier answered \(error.description)")
            }
        case let error as HTTPError:
            return .check("the tier could not be reached: \(error.description)")
        case let error as SystemCallError where error.errno == EACCES || error.errno == EPERM:
            return .check("no permission to read it: \(error.description)")
        case let error as MongoSourceError:
            switch error.kind {
            case .data: return .artifact(error.message)
            case .invalidURI, .authentication, .unreachable, .server, .unsupported, .gap:
                return .check(error.message)
            }
        case let error as LifeboatError:
            return error.status == .verificationFailed || error.status == .dataError ? .artifact(error.message) : .check(error.message)
        default:
            return .artifact(String(describing: error))
        }
    }
}
