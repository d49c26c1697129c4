# Multi-stage build of the mesos-ha executable (masters, agents, the CLI).
#   docker build -t mesos-ha .
#   docker run --rm mesos-ha master --id 1 --raft 10.0.0.1:7001 --peers ... --http 10.0.0.1:5050 --data-dir /data
#   docker compose up --build            # 3 masters + 2 agents, see docker-compose.yml
# Options come from flags, MESOS_HA_* environment variables or /app/appsettings.json (see the README).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json Mesos.HA.sln ./
COPY src/ src/
COPY samples/ samples/
# `mesos-ha simulate` runs the simulator, which judges runs with the chaos suite's checkers.
COPY tests/Simulation/ tests/Simulation/
COPY tests/Checkers/ tests/Checkers/
RUN dotnet publish src/Cli/Cli.csproj -c Release -o /app --no-self-contained

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
VOLUME /data
EXPOSE 5050 5051 7001
ENTRYPOINT ["dotnet", "/app/mesos-ha.dll"]
CMD ["--help"]
