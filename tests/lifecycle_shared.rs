//! The lifecycle with the real renderer on the parity corpus' largest case
//! (`../shared/parity/cases/upstream-full`), against the API server test double.

use capiform::TemplateSet;
use capiform::lifecycle::render_and_apply;
use capiform::values::ValuesSource;
use capiform_kube::testing::ApiServerDouble;
use capiform_kube::{ApplyOptions, Outcome, Release};

mod needs_shared;
use needs_shared::Test;

const UPSTREAM_FULL: &str = "../shared/parity/cases/upstream-full/values.yaml";

fn main() {
    needs_shared::main(&[Test {
        name: "upstream_full_installs_and_reapplies_without_change",
        needs: UPSTREAM_FULL,
        programs: &[],
        run: upstream_full_installs_and_reapplies_without_change,
    }]);
}

fn upstream_full_installs_and_reapplies_without_change() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(UPSTREAM_FULL),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let api = ApiServerDouble::new();
        let rel = Release::new(api.client(), "demo", "default");
        let set = TemplateSet::embedded(None).unwrap();
        let sources = || {
            vec![ValuesSource::Yaml {
                name: "upstream-full/values.yaml".into(),
                text: text.clone(),
            }]
        };
        let first = render_and_apply(&rel, set, sources(), "", &ApplyOptions::default())
            .await
            .unwrap();
        assert_eq!(first.applied.len(), 87);
        assert!(first.applied.iter().all(|a| a.outcome == Outcome::Created));
        // Every kind of the render is in the parent's group-kinds.
        let parent = api.object("secrets", "capiform-release-demo").unwrap();
        let gks = parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
            .as_str()
            .unwrap();
        for a in &first.applied {
            assert!(
                gks.split(',').any(|g| g == a.object.group_kind()),
                "{}",
                a.object
            );
        }
        api.clear_requests();
        let second = render_and_apply(&rel, set, sources(), "", &ApplyOptions::default())
            .await
            .unwrap();
        let changed: Vec<_> = second
            .applied
            .iter()
            .filter(|a| a.outcome != Outcome::Unchanged)
            .collect();
        assert!(changed.is_empty(), "{changed:?}");
        assert!(second.pruned.is_empty());
        // The only writes: the apply patches and the parent (twice).
        let writes = api.requests().iter().filter(|r| r.is_write()).count();
        assert_eq!(writes, second.applied.len() + 2);
    });
}
