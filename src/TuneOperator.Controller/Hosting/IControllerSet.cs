using TuneOperator.Controller.Runtime;

namespace TuneOperator.Controller.Hosting;

/// <summary>
/// A group of informers and the controllers fed by them, registered in DI. The host runs the informers on every
/// replica (a standby keeps a warm cache) and the controllers only on the leader.
/// </summary>
public interface IControllerSet
{
    /// <summary>The informers to run and wait for.</summary>
    IReadOnlyList<IResourceInformer> Informers { get; }

    /// <summary>The controllers to run while leading.</summary>
    IReadOnlyList<ControllerLoop> Controllers { get; }
}
