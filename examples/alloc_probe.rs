//! Count heap allocations per render stage (allocation is most of a render's cost):
//! `cargo run --release --example alloc_probe -- VALUES.yaml`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct Counting;
static N: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        N.fetch_add(1, Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, s: usize) -> *mut u8 {
        N.fetch_add(1, Relaxed);
        unsafe { System.realloc(p, l, s) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;
fn count<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let before = N.load(Relaxed);
    let r = f();
    println!("{label:<12} {:>7} allocations", N.load(Relaxed) - before);
    r
}
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("examples/values/minimal.yaml".into());
    let text = std::fs::read_to_string(&path).unwrap();
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let req = capiform::RenderRequest::new("demo", "default").with_values_yaml(&path, text.clone());
    let _ = capiform::render(&req, set).unwrap();
    let sources = vec![capiform::values::ValuesSource::Yaml {
        name: "v".into(),
        text,
    }];
    let (raw, user) = count("merge", || {
        capiform::values::Merged::over(set.defaults(), &sources).unwrap()
    });
    count("check-user", || {
        capiform::schema::check_user_part("v1", raw.given(), &user)
    });
    let typed = count("typed", || {
        raw.typed_over(set.typed_defaults().unwrap()).unwrap()
    });
    let ctx = capiform::Context {
        release: "demo",
        namespace: "default",
        values: &typed,
        raw: &raw,
        templates: set,
        existing: &[],
    };
    use capiform::resources::*;
    count("  cluster", || {
        (
            cluster::cluster(&ctx).unwrap(),
            cluster::openstack_cluster(&ctx).unwrap(),
        )
    });
    count("  secrets", || {
        (
            secrets::cloud_credentials(&ctx).unwrap(),
            secrets::containerd_auth(&ctx).unwrap(),
        )
    });
    let (_, cpname) = count("  cp-template", || {
        machine_template::control_plane(&ctx).unwrap()
    });
    count("  cp-kcp", || {
        control_plane::kubeadm_control_plane(&ctx, &cpname).unwrap()
    });
    count("  cp-all", || control_plane::build(&ctx, &cpname).unwrap());
    let groups = count("  ng-effective", || {
        node_group::effective_node_groups(&ctx).unwrap()
    });
    count("  ng-templates", || {
        groups
            .iter()
            .map(|(i, g)| machine_template::node_group(&ctx, *i, g).unwrap())
            .collect::<Vec<_>>()
    });
    if let Some((_, g)) = groups.first() {
        let fragments = count("    ng-fragments", || {
            kubeadm::NodeGroupFragments::new(&ctx).unwrap()
        });
        let spec = count("    ng-spec", || fragments.spec(&ctx, g).unwrap());
        count("    ng-spec-hash", || {
            capiform::naming::value_spec_hash(&spec)
        });
        count("    ng-checksum", || {
            capiform::helm_compat::go_yaml::to_string(&spec)
        });
        count("    ng-kct", || {
            node_group::kubeadm_config_template(&ctx, g, &fragments).unwrap()
        });
        count("    ng-md", || {
            node_group::machine_deployment(&ctx, g, "a", "b").unwrap()
        });
        count("    ng-mhc", || {
            node_group::machine_health_check(&ctx, g).unwrap()
        });
    }
    count("  ng-build", || {
        node_group::build(&ctx, &groups, |_, _| Ok("x".to_string())).unwrap()
    });
    count("  autoscaler", || {
        (
            autoscaler::deployment(&ctx).unwrap(),
            autoscaler::rbac(&ctx).unwrap(),
        )
    });
    let core = count("core", || capiform::resources::build(&ctx).unwrap());
    let addons = count("addons", || capiform::addons::build(&ctx).unwrap());
    let m = count("render", || capiform::render(&req, set).unwrap());
    count("yaml", || m.to_yaml());
    println!("objects: core {} addons {}", core.len(), addons.len());
}
