namespace TuneOperator.Api.Tests;

/// <summary>Locates files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Crds => Path.Combine(Root, "crds");

    public static string Samples => Path.Combine(Root, "config", "samples");

    public static string InvalidManifests => Path.Combine(Root, "tests", "TuneOperator.Api.Tests", "Manifests", "Invalid");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TuneOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TuneOperator.sln not found above " + AppContext.BaseDirectory);
    }
}
