using TorchSharp;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Models;

/// <summary>Helpers for <see cref="ILinearHost"/> implementations.</summary>
internal static class LinearSlots
{
    /// <summary>Re-registers <paramref name="name"/> on <paramref name="parent"/> to point at <paramref name="replacement"/>.</summary>
    public static void Reregister(nn.Module parent, string name, nn.Module replacement)
    {
        parent.register_module(name, null!);
        parent.register_module(name, replacement);
    }

    /// <summary>The error for a name the host does not have.</summary>
    public static ArgumentException Unknown(string name, IEnumerable<string> names) =>
        new($"There is no projection named '{name}' here; the projections are {string.Join(", ", names)}.", nameof(name));
}
