namespace TuneOperator.Bench.Operator;

/// <summary>The benchmark's command-line options.</summary>
internal sealed record BenchOptions
{
    /// <summary>The job counts; each runs against a fresh fake and a fresh operator.</summary>
    public IReadOnlyList<int> Jobs { get; init; } = [1000];

    /// <summary>FineTuneJobs created per second.</summary>
    public int Rate { get; init; } = 100;

    /// <summary>The operator's reconcile workers.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Whether the operator runs with leader election.</summary>
    public bool LeaderElection { get; init; }

    /// <summary>Forces the operator's GC mode (<c>DOTNET_gcServer</c>); null keeps the operator's own setting.</summary>
    public bool? ServerGc { get; init; }

    /// <summary>Extra environment variables for the operator process (<c>--env NAME=VALUE</c>, repeatable), e.g. runtime knobs.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Publish the operator as a Native AOT executable (what the image ships) and run that.</summary>
    public bool Aot { get; init; }

    /// <summary>The operator assembly (or, without .dll, native executable) to run.</summary>
    public string OperatorDll { get; init; } = "";

    /// <summary>The folder the JSON results go to.</summary>
    public string ResultsDirectory { get; init; } = "";

    /// <summary>The repository root (the folder that holds TuneOperator.sln).</summary>
    public string RepoRoot { get; init; } = "";

    /// <summary>How long to wait for every pod after the last create.</summary>
    public TimeSpan PodTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public const string Usage = """
        usage: TuneOperator.Bench.Operator [--jobs 1000[,10000]] [--rate 100] [--workers 4] [--leader-elect true|false]
                                           [--gc-server true|false] [--env NAME=VALUE]... [--operator-dll PATH | --aot true] [--results DIR]
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var root = FindRepoRoot(AppContext.BaseDirectory) ?? FindRepoRoot(System.Environment.CurrentDirectory)
            ?? throw new ArgumentException("cannot find the repository root (a folder holding TuneOperator.sln) above the benchmark or the current folder; run it from the repository.");
        var options = new BenchOptions
        {
            RepoRoot = root,
            OperatorDll = Path.Combine(root, "src/TuneOperator.Controller/bin/Release/net10.0/tune-operator.dll"),
            ResultsDirectory = Path.Combine(root, "bench/results"),
        };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--jobs" => options with { Jobs = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => PositiveInt(name, v))] },
                "--rate" => options with { Rate = PositiveInt(name, value) },
                "--workers" => options with { Workers = PositiveInt(name, value) },
                "--leader-elect" => options with { LeaderElection = bool.TryParse(value, out var on) ? on : throw new ArgumentException($"--leader-elect: '{value}' is not true or false.") },
                "--gc-server" => options with { ServerGc = bool.TryParse(value, out var server) ? server : throw new ArgumentException($"--gc-server: '{value}' is not true or false.") },
                "--env" => options with { Environment = WithVariable(options.Environment, value) },
                "--operator-dll" => options with { OperatorDll = Path.GetFullPath(value) },
                "--aot" => options with { Aot = bool.TryParse(value, out var aot) ? aot : throw new ArgumentException($"--aot: '{value}' is not true or false.") },
                "--results" => options with { ResultsDirectory = Path.GetFullPath(value) },
                _ => throw new ArgumentException($"unknown option {name}."),
            };
        }

        if (options.Jobs.Count == 0)
        {
            throw new ArgumentException("--jobs: give at least one count, e.g. --jobs 1000 or --jobs 1000,10000.");
        }

        if (options.Aot)
        {
            // Published by the benchmark before it runs (AotPublisher); --operator-dll does not apply.
            return options with { OperatorDll = Path.Combine(root, "bench/TuneOperator.Bench.Operator/obj/native-operator/tune-operator") };
        }

        if (!File.Exists(options.OperatorDll))
        {
            throw new ArgumentException($"--operator-dll: {options.OperatorDll} does not exist; build it with `dotnet build src/TuneOperator.Controller -c Release` (running the benchmark with -c Release builds it).");
        }

        return options;
    }

    private static Dictionary<string, string> WithVariable(IReadOnlyDictionary<string, string> current, string assignment)
    {
        var split = assignment.IndexOf('=', StringComparison.Ordinal);
        if (split <= 0)
        {
            throw new ArgumentException($"--env: '{assignment}' is not NAME=VALUE (e.g. --env DOTNET_TieredPGO=0).");
        }

        return new Dictionary<string, string>(current, StringComparer.Ordinal) { [assignment[..split]] = assignment[(split + 1)..] };
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"{name}: '{value}' is not a positive whole number.");

    private static string? FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TuneOperator.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
