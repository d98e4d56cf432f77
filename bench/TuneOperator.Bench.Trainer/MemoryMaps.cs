using System.Globalization;

namespace TuneOperator.Bench.Trainer;

/// <summary>
/// The resident bytes of every mapping of this process, from <c>/proc/self/smaps</c> (Linux), keyed by address range
/// and name, so two snapshots show which mapping grew: <c>[heap]</c>, an anonymous mapping (a .NET GC region or a
/// glibc arena), a thread stack, a library.
/// </summary>
public sealed class MemoryMaps
{
    private readonly Dictionary<string, long> residentByMapping;

    private MemoryMaps(Dictionary<string, long> residentByMapping) => this.residentByMapping = residentByMapping;

    /// <summary>Reads the current mappings; an empty snapshot where <c>/proc/self/smaps</c> is absent.</summary>
    public static MemoryMaps Read()
    {
        var resident = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists("/proc/self/smaps"))
        {
            return new MemoryMaps(resident);
        }

        string? current = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (IsHeader(line))
            {
                current = MappingName(line);
                continue;
            }

            if (current is not null && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                var parts = line[4..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                resident[current] = resident.GetValueOrDefault(current) + (long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024);
            }
        }

        return new MemoryMaps(resident);
    }

    /// <summary>Resident bytes by kind: <c>heap</c> (brk heap), <c>anonymous</c> (mmap: GC regions, arenas, stacks), <c>files</c> (libraries and mapped files), <c>other</c>.</summary>
    public IReadOnlyDictionary<string, long> ByKind()
    {
        var kinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, rss) in residentByMapping)
        {
            var path = name[(name.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            var kind = path switch
            {
                "[heap]" => "heap",
                "" => "anonymous",
                _ when path.StartsWith("[stack", StringComparison.Ordinal) => "stack",
                _ when path.StartsWith('/') => "files",
                _ => "other",
            };
            kinds[kind] = kinds.GetValueOrDefault(kind) + rss;
        }

        return kinds;
    }

    /// <summary>The mappings whose resident size changed most since <paramref name="earlier"/> (largest change first), as "range name: ±KiB".</summary>
    public IReadOnlyList<string> GrownSince(MemoryMaps earlier, int count)
    {
        var changes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, rss) in residentByMapping)
        {
            changes[name] = rss - earlier.residentByMapping.GetValueOrDefault(name);
        }

        foreach (var (name, rss) in earlier.residentByMapping)
        {
            if (!residentByMapping.ContainsKey(name))
            {
                changes[name] = -rss;
            }
        }

        return [.. changes.Where(c => c.Value != 0)
            .OrderByDescending(c => Math.Abs(c.Value))
            .Take(count)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{Describe(c.Key)}: {(c.Value > 0 ? "+" : "")}{c.Value / 1024} KiB"))];
    }

    private static string Describe(string name)
    {
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        var range = name[..space];
        var path = name[(space + 1)..];
        var bounds = range.Split('-');
        var size = (long.Parse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) - long.Parse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)) / 1024;
        var label = path.Length == 0 ? "[anon]" : path.StartsWith('[') ? path : Path.GetFileName(path);
        return string.Create(CultureInfo.InvariantCulture, $"{range} ({size} KiB) {label}");
    }

    private static bool IsHeader(string line)
    {
        // A mapping's header starts "start-end perms ..."; its fields start "Name:".
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || line[space - 1] == ':')
        {
            return false;
        }

        var dash = line.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && dash < space;
    }

    private static string MappingName(string line)
    {
        // "start-end perms offset dev inode   path"
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        var path = fields.Length == 6 ? fields[5].Trim() : string.Empty;
        return fields[0] + " " + path;
    }
}
