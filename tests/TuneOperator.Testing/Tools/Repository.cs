namespace TuneOperator.Testing.Tools;

/// <summary>Paths inside the repository, found from the test's working directory.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds TuneOperator.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A path below the repository root.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "TuneOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No TuneOperator.sln above {AppContext.BaseDirectory}: run the tests from a checkout of the repository.");
    }
}
