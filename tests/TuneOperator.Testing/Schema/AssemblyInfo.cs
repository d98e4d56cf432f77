using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("TuneOperator.Api.Tests")]
