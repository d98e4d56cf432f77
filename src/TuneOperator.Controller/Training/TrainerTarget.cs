using TuneOperator.Controller.Runtime;
using TuneOperator.Protos;

namespace TuneOperator.Controller.Training;

/// <summary>The trainer of one attempt that a session drives: where it listens and what to start.</summary>
/// <param name="Job">The job's key.</param>
/// <param name="JobUid">The job's UID.</param>
/// <param name="Attempt">The attempt (pod) number.</param>
/// <param name="PodName">The trainer pod's name.</param>
/// <param name="Endpoint">The trainer's gRPC address, e.g. http://10.0.0.5:50051.</param>
/// <param name="TokenSecret">The name of the Secret holding the bearer token.</param>
/// <param name="Start">The Start request (plan and resumeFrom).</param>
/// <param name="Seed">The view to start from (what the status already holds, and the persisted sequence).</param>
/// <param name="KeepLast">checkpoint.keepLast.</param>
public sealed record TrainerTarget(
    NamespacedName Job,
    string JobUid,
    int Attempt,
    string PodName,
    Uri Endpoint,
    string TokenSecret,
    StartRequest Start,
    TrainerView Seed,
    int KeepLast);
