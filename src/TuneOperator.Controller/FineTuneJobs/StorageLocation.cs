namespace TuneOperator.Controller.FineTuneJobs;

/// <summary>
/// A parsed storage location: <c>pvc://claim/path</c> (a PersistentVolumeClaim mounted into the trainer pod) or
/// <c>file:///path</c> (a path inside the container).
/// </summary>
/// <param name="Claim">The claim name for pvc:// locations, null for file:// ones.</param>
/// <param name="Path">The path inside the claim (without a leading slash), or the absolute file path.</param>
public sealed record StorageLocation(string? Claim, string Path)
{
    /// <summary>Where the trainer pod mounts claims: <c>/mnt/pvc/&lt;claim&gt;</c>.</summary>
    public const string PvcMountRoot = "/mnt/pvc";

    /// <summary>Parses a location.</summary>
    /// <exception cref="FormatException">The location is neither pvc:// nor file:///; the message names <paramref name="field"/>.</exception>
    public static StorageLocation Parse(string location, string field)
    {
        const string pvc = "pvc://";
        const string file = "file://";
        if (location.StartsWith(pvc, StringComparison.Ordinal))
        {
            var rest = location[pvc.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var claim = slash < 0 ? rest : rest[..slash];
            var path = slash < 0 ? string.Empty : rest[(slash + 1)..].TrimStart('/');
            if (claim.Length is 0 or > 63 || !claim.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || claim[0] == '-' || claim[^1] == '-')
            {
                throw new FormatException($"{field}: '{location}' does not name a valid PersistentVolumeClaim; write pvc://<claim>/<path>.");
            }

            return new StorageLocation(claim, path);
        }

        if (location.StartsWith(file + "/", StringComparison.Ordinal))
        {
            return new StorageLocation(null, location[file.Length..]);
        }

        throw new FormatException($"{field}: '{location}' is not a supported location; write pvc://<claim>/<path> or file:///<absolute path>.");
    }

    /// <summary>The path the trainer sees inside its pod.</summary>
    public string LocalPath => Claim is null
        ? Path
        : Path.Length == 0 ? PvcMountRoot + "/" + Claim : PvcMountRoot + "/" + Claim + "/" + Path;
}
