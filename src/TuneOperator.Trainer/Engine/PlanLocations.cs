using TuneOperator.Trainer.Control;

namespace TuneOperator.Trainer.Engine;

/// <summary>
/// Turns the locations of a plan into local paths: <c>file:///abs/path</c> and absolute paths as they are,
/// <c>pvc://claim/path</c> as the volume mount <c>/mnt/pvc/claim/path</c>; every result then goes through
/// <see cref="PathMappings"/> (pods run as local processes see their mounts elsewhere).
/// </summary>
/// <param name="paths">The mount-path mappings of this trainer.</param>
public sealed class PlanLocations(PathMappings paths)
{
    /// <summary>The mount root of persistent volume claims inside the trainer pod.</summary>
    public const string PvcMountRoot = "/mnt/pvc";

    /// <summary>The local path of <paramref name="location"/>.</summary>
    /// <param name="location">The location as the plan writes it.</param>
    /// <param name="field">The spec field it came from, for the error message.</param>
    /// <exception cref="PlanException">The location is empty, relative or of an unsupported scheme.</exception>
    public string Resolve(string? location, string field)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            throw new PlanException($"{field} is empty; give an absolute path, file:///path or pvc://claim/path.");
        }

        string podPath;
        if (location.StartsWith("file://", StringComparison.Ordinal))
        {
            podPath = Uri.UnescapeDataString(location["file://".Length..]);
        }
        else if (location.StartsWith("pvc://", StringComparison.Ordinal))
        {
            var rest = location["pvc://".Length..].TrimStart('/');
            if (rest.Length == 0 || rest.StartsWith('/'))
            {
                throw new PlanException($"{field} '{location}' names no claim; use pvc://claim/path.");
            }

            podPath = PvcMountRoot + "/" + rest;
        }
        else if (location.Contains("://", StringComparison.Ordinal))
        {
            throw new PlanException($"{field} '{location}' uses an unsupported scheme; use an absolute path, file:///path or pvc://claim/path.");
        }
        else
        {
            podPath = location;
        }

        if (!Path.IsPathRooted(podPath))
        {
            throw new PlanException($"{field} '{location}' is not absolute; give an absolute path, file:///path or pvc://claim/path.");
        }

        return Path.GetFullPath(paths.Map(podPath.TrimEnd('/').Length == 0 ? "/" : podPath.TrimEnd('/')));
    }
}
