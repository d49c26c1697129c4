using System.Runtime.CompilerServices;

// The health checker's tests wait on its internal "waiting for the next check" barrier instead of sleeping.
[assembly: InternalsVisibleTo("Mesos.HA.Protocol.Tests")]
